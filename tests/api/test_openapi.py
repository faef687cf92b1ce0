"""Every operation in the OpenAPI document says what it answers, so a route added without a
response model, or without its error answers, fails here rather than in a client generated
from the document (or in the Schemathesis run of `.ci/run`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

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


# Operations that answer without an API key.
PUBLIC = {("get", "/healthz"), ("get", "/readyz"), ("get", "/api/v1/dashboard/demo-key")}
ERROR_SCHEMAS = {"ErrorOut", "ValidationErrorOut", "ConflictOut", "InsufficientCreditsOut"}


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref")
    return ref.removeprefix("#/components/schemas/") if isinstance(ref, str) else None


def undeclared_errors(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Operations whose error answers the document does not state: each declares 422 (any
    input with a NUL is refused app-wide), 401 unless public, 404 when its path names a
    resource, and every error with a body schema of `pressrun.api.schemas.common`."""
    problems = []
    for method, path, operation in _operations(spec):
        responses: dict[str, Any] = operation["responses"]
        needed = {"422"}
        if (method, path) not in PUBLIC:
            needed.add("401")
        if "{" in path:
            needed.add("404")
        problems += [
            (method, path, f"{code} not declared") for code in sorted(needed - {*responses})
        ]
        for code, response in responses.items():
            if code.startswith("2"):
                continue
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            name = _schema_name(schema)
            readiness = (path, code, name) == ("/readyz", "503", "ReadinessOut")
            if name not in ERROR_SCHEMAS and not readiness:
                problems.append((method, path, f"{code}: body schema {name or schema}"))
    return problems


def string_bodies(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Operations declaring a JSON success body that is a bare string: what a route returning
    `str` (or a response class FastAPI cannot see through) documents."""
    found = []
    for method, path, operation in _operations(spec):
        for code, response in operation["responses"].items():
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            if code.startswith("2") and schema and _resolve(spec, schema).get("type") == "string":
                found.append((method, path, code))
    return found


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


def test_every_operation_declares_its_errors(spec: dict[str, Any]) -> None:
    assert undeclared_errors(spec) == []


def test_no_operation_answers_a_bare_string(spec: dict[str, Any]) -> None:
    assert string_bodies(spec) == []


def test_the_checks_catch_an_undeclared_route() -> None:
    """What the two tests above would say of a route added the careless way."""
    app = FastAPI()

    @app.get("/api/v1/sites/{site_id}/label")
    def label(site_id: int) -> str:
        return str(site_id)

    careless = app.openapi()
    assert ("get", "/api/v1/sites/{site_id}/label", "200") in string_bodies(careless)
    problems = undeclared_errors(careless)
    assert ("get", "/api/v1/sites/{site_id}/label", "401 not declared") in problems
    assert ("get", "/api/v1/sites/{site_id}/label", "404 not declared") in problems
    assert any("422: body schema" in problem for _, _, problem in problems)
