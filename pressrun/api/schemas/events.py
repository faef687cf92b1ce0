"""What the event stream route answers, for OpenAPI: server-sent events, not a JSON body."""

from __future__ import annotations

from typing import Any

EVENT_STREAM: dict[str, Any] = {
    "description": "Server-sent events: `progress` (data: the `run_progress` payload), `end` "
    '(data: `{"run_id", "status"}`), and comment lines as heartbeats.',
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
