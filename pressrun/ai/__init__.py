"""AI providers behind one interface: `offline` (the default) and any OpenAI-compatible endpoint.

The interface and its shapes are in `base`; `factory` builds the configured provider.
"""
