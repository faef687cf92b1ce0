"""The business logic of each stage, as plain functions over a database and an AI provider.

Temporal activities call these; they are testable without Temporal.
"""
