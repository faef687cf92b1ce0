"""The embedded development stack: a local Temporal dev server and the offline demo."""
