"""pressrun: durable AI content pipelines for websites, each run a Temporal workflow."""

__version__ = "0.1.0"
