"""One router per family of routes."""
