"""Messages between the API, workflows and activities: plain pydantic, safe in the workflow sandbox.

One module per workflow. Nothing here may import the ORM, the database, openai or structlog:
workflow modules import these inside Temporal's sandbox.
"""
