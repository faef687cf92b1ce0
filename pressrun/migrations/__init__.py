"""Alembic migrations for pressrun's tables; they run on SQLite and PostgreSQL alike."""
