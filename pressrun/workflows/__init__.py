"""Temporal workflows. Deterministic code only; each workflow in its own module."""
