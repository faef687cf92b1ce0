"""Temporal activities: thin classes with injected dependencies that call `pressrun.stages`."""
