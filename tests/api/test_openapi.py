"""Every operation in the OpenAPI document says what it answers, so a route added without a
response model fails here rather than in a client generated from the document."""

from __future__ import annotations

from typing import Any

import pytest

from pressrun.api.app import create_app
from pressrun.config import Settings

METHODS = {"get", "put", "post", "patch", "delete"}
# Responses without a JSON body: no content, or a media type of their own (files, events).
NO_BODY = {"204"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = spec["components"]["schemas"][name]
    return resolved


def _free_form(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object that names no field: `dict[str, Any]` and the like."""
    schema = _resolve(spec, schema)
    return schema.get("type") == "object" and not schema.get("properties")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def test_every_operation_declares_a_success_body(spec: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _operations(spec):
        success = {
            code: response
            for code, response in operation["responses"].items()
            if code.startswith("2")
        }
        if not success:
            missing.append((method, path, "no 2xx response"))
        for code, response in success.items():
            if code in NO_BODY:
                continue
            content: dict[str, Any] = response.get("content") or {}
            if not content:
                missing.append((method, path, f"{code}: no content"))
            json_body = content.get("application/json")
            if json_body is not None and not json_body.get("schema"):
                missing.append((method, path, f"{code}: application/json without a schema"))
    assert missing == []


def test_json_bodies_name_their_fields(spec: dict[str, Any]) -> None:
    free_form = []
    for method, path, operation in _operations(spec):
        for code, response in operation["responses"].items():
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            if code.startswith("2") and schema and _free_form(spec, schema):
                free_form.append((method, path))
    assert free_form == []
