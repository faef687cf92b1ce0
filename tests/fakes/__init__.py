"""Stand-ins for external services, faked at the wire so the real clients are exercised."""
