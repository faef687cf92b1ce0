"""What the event stream route answers, for OpenAPI: server-sent events, not a JSON body."""

from __future__ import annotations

from typing import Any


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """One event of the stream (OpenAPI 3.1 has `schema` describe each event): its `event`
    name, a numeric `id`, and `data` holding JSON."""
    return {
        "type": "object",
        "required": ["event", "id", "data"],
        "properties": {
            "event": {"const": name},
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
    }


EVENT_STREAM: dict[str, Any] = {
    "description": "Server-sent events: `progress` (data: the `run_progress` payload), `end` "
    '(data: `{"run_id", "status"}`), and comment lines as heartbeats.',
    "content": {
        "text/event-stream": {
            "schema": {
                "oneOf": [
                    _event("progress", {"$ref": "#/components/schemas/RunProgressOut"}),
                    _event(
                        "end",
                        {
                            "type": "object",
                            "required": ["run_id", "status"],
                            "properties": {
                                "run_id": {"type": "string"},
                                "status": {"type": "string"},
                            },
                        },
                    ),
                ]
            }
        }
    },
}
