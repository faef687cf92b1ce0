"""The production deployment files, checked against the app (no Docker engine needed).

docker-compose.yml, .env.example, the Dockerfile and docs/deploy.md must use the names the
app reads (pressrun.config.Settings), the commands its CLI has (pressrun.cli), the search
attributes its workflows set (pressrun.contracts.search_attributes); images must be pinned, and
healthchecks and start-up dependencies in place.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import re
import shlex
import shutil
import subprocess
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]
from pydantic import AliasChoices, BaseModel

from pressrun import cli
from pressrun.config import Settings
from pressrun.contracts.search_attributes import ALL_KEYS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

# Every service the production shape needs, and which of them run to completion.
EXPECTED_SERVICES = {
    "postgres",
    "temporal-schema",
    "temporal",
    "temporal-namespace",
    "temporal-ui",
    "migrate",
    "schedules",
    "api",
    "worker",
}
ONE_SHOTS = {"temporal-schema", "temporal-namespace", "migrate", "schedules"}
# service -> {dependency: condition} that must at least be declared.
REQUIRED_DEPENDENCIES = {
    "temporal-schema": {"postgres": "service_healthy"},
    "temporal": {
        "postgres": "service_healthy",
        "temporal-schema": "service_completed_successfully",
    },
    "temporal-namespace": {"temporal": "service_healthy"},
    "temporal-ui": {"temporal": "service_healthy"},
    "migrate": {"postgres": "service_healthy"},
    "schedules": {
        "migrate": "service_completed_successfully",
        "temporal-namespace": "service_completed_successfully",
    },
    "api": {"migrate": "service_completed_successfully", "temporal": "service_healthy"},
}
WORKER_DEPENDENCIES = {
    "migrate": "service_completed_successfully",
    "temporal": "service_healthy",
    "temporal-namespace": "service_completed_successfully",
}
# The `pressrun` subcommands the stack runs; each must be a real one.
EXPECTED_COMMANDS = {("migrate",), ("schedules", "sync"), ("api",), ("worker",)}
# Stand-in values for the secrets .env.example leaves empty.
SECRET_STANDIN = "0123456789abcdef"
# Compose defaults that differ from the app's own on purpose.
DELIBERATE_DEFAULTS = {
    # Containers get a stop_grace_period long enough for a longer graceful shutdown.
    "PRESSRUN_WORKER_SHUTDOWN_GRACE_SECONDS",
    # The stack's own Web UI; the app has no UI to link to by default.
    "PRESSRUN_TEMPORAL_UI_URL",
}


# ---- reading the files ----------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def app_services() -> dict[str, dict[str, Any]]:
    """The services that run the pressrun image (built from the Dockerfile)."""
    return {name: svc for name, svc in services().items() if "build" in svc}


def worker_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in app_services().items() if command_of(s)[1:2] == ["worker"]}


@dataclass(frozen=True)
class EnvLine:
    value: str
    active: bool  # False: a commented-out example (`# NAME=value`)


@functools.cache
def env_example() -> dict[str, EnvLine]:
    lines: dict[str, EnvLine] = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", raw.strip())
        if match is None:
            continue
        commented, name, value = match.groups()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        active = commented is None
        assert not (active and name in lines and lines[name].active), f"{name} set twice"
        if active or name not in lines:
            lines[name] = EnvLine(value, active)
    return lines


def dotenv(*, examples: bool) -> dict[str, str]:
    """What Compose would read from a `.env` copied from .env.example with the secrets
    filled in, and with the commented examples switched on too when `examples`."""
    env = {}
    for name, line in env_example().items():
        if line.active:
            env[name] = line.value or SECRET_STANDIN
        elif examples and line.value:
            env[name] = line.value
    return env


@functools.cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile_args() -> dict[str, str]:
    return dict(
        args.split("=", 1)
        for keyword, args in dockerfile_instructions()
        if keyword == "ARG" and "=" in args
    )


def exec_form(args: str) -> list[str]:
    value = yaml.safe_load(args)  # a JSON array is YAML too
    assert isinstance(value, list), f"use the exec form (a JSON array), not {args!r}"
    return [str(part) for part in value]


def image_entrypoint() -> list[str]:
    entrypoints = [exec_form(args) for kw, args in dockerfile_instructions() if kw == "ENTRYPOINT"]
    assert entrypoints, "the Dockerfile has no ENTRYPOINT"
    return entrypoints[-1]


def command_of(service: Mapping[str, Any]) -> list[str]:
    """The argv a pressrun container runs: the image's entrypoint and the service's command."""
    entrypoint = service.get("entrypoint", image_entrypoint())
    command = service.get("command", [])
    if isinstance(entrypoint, str):
        entrypoint = shlex.split(entrypoint)
    if isinstance(command, str):
        command = shlex.split(command)
    return [str(part) for part in [*entrypoint, *command]]


def _seconds(duration: str) -> float:
    """A Compose duration ("1m30s", "45s") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"bad duration {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


# ---- Compose's variable syntax --------------------------------------------------------------


class MissingVariable(Exception):
    pass


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


@dataclass(frozen=True)
class Reference:
    name: str
    operator: str | None  # None for a plain ${NAME}
    argument: str


def _references(text: str) -> Iterator[tuple[int, int, Reference]]:
    """Each `${...}` / `$NAME` at the top level of `text`: (start, end, reference)."""
    i = 0
    while i < len(text):
        if text[i] != "$":
            i += 1
            continue
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            match = _NAME.match(text, i + 2)
            assert match, f"bad variable reference in {text!r}"
            j = match.end()
            operator = next((op for op in _OPERATORS if text.startswith(op, j)), None)
            j += len(operator or "")
            depth, k = 1, j
            while depth:
                assert k < len(text), f"unclosed variable reference in {text!r}"
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                k += 1
            yield i, k, Reference(match.group(), operator, text[j : k - 1])
            i = k
            continue
        match = _NAME.match(text, i + 1)
        assert match, f"a lone `$` in {text!r}: write `$$` for a literal one"
        yield i, match.end(), Reference(match.group(), None, "")
        i = match.end()


def all_references(text: str) -> Iterator[Reference]:
    """Every variable reference, including those inside defaults."""
    for _, _, ref in _references(text):
        yield ref
        yield from all_references(ref.argument)


def interpolate(text: str, env: Mapping[str, str]) -> str:
    out, last = [], 0
    for start, end, ref in _references(text):
        out.append(text[last:start].replace("$$", "$"))
        value, is_set = env.get(ref.name), ref.name in env
        given = bool(value) if ref.operator and ref.operator.startswith(":") else is_set
        if ref.operator in (":-", "-"):
            out.append(value if given and value is not None else interpolate(ref.argument, env))
        elif ref.operator in (":?", "?"):
            if not given or value is None:
                raise MissingVariable(f"{ref.name}: {ref.argument}")
            out.append(value)
        elif ref.operator in (":+", "+"):
            out.append(interpolate(ref.argument, env) if given else "")
        else:
            out.append(value or "")
        last = end
    out.append(text[last:].replace("$$", "$"))
    return "".join(out)


def resolve(node: Any, env: Mapping[str, str]) -> Any:
    """The compose tree with every string interpolated."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    return node


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)


def compose_references() -> list[Reference]:
    return [ref for text in strings(compose()) for ref in all_references(text)]


def environment_of(service: Mapping[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping; None marks a name passed through from `.env`."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        return {name: value for name, value in pairs}
    return {name: None if value is None else str(value) for name, value in env.items()}


def container_env(service: Mapping[str, Any], dot_env: Mapping[str, str]) -> dict[str, str]:
    """The environment a container gets from `dot_env` as its `.env`."""
    resolved: dict[str, str] = {}
    for name, value in environment_of(service).items():
        if value is None:
            if dot_env.get(name):
                resolved[name] = dot_env[name]
        else:
            resolved[name] = interpolate(value, dot_env)
    return resolved


# ---- what the app reads ---------------------------------------------------------------------


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _nested_path_ok(annotation: Any, parts: list[str]) -> bool:
    """Whether `parts` (the pieces of a name after the `__` delimiter) reach a value."""
    if not parts:
        return True
    annotation = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(parts[0].lower())
        return field is not None and _nested_path_ok(field.annotation, parts[1:])
    if typing.get_origin(annotation) is dict:
        key_type, value_type = typing.get_args(annotation)
        try:
            key_type(parts[0])
        except ValueError:
            return False
        return _nested_path_ok(value_type, parts[1:])
    return False


@functools.cache
def settings_names() -> dict[str, Any]:
    """Environment name (upper case) -> the field's annotation, as pydantic-settings reads
    them: PRESSRUN_<field>, or the field's aliases where it has them."""
    prefix = Settings.model_config.get("env_prefix", "")
    names: dict[str, Any] = {}
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, AliasChoices):
            choices = [c for c in alias.choices if isinstance(c, str)]
        elif isinstance(alias, str):
            choices = [alias]
        else:
            choices = [prefix + field_name]
        for choice in choices:
            names[choice.upper()] = field.annotation
    return names


def is_settings_name(name: str) -> bool:
    upper = name.upper()
    names = settings_names()
    if upper in names:
        return True
    delimiter = Settings.model_config.get("env_nested_delimiter") or ""
    if not delimiter or delimiter not in upper:
        return False
    head, *rest = upper.split(delimiter)
    return head in names and _nested_path_ok(names[head], rest)


def settings_from(env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a container with exactly `env` would build them."""
    for name in list(os.environ):
        if name.upper().startswith("PRESSRUN_") or name.upper() in settings_names():
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


@functools.cache
def pressrun_parser() -> argparse.ArgumentParser:
    """The parser `pressrun.cli.main` builds, caught as it starts parsing."""
    build = getattr(cli, "build_parser", None)
    if callable(build):
        parser = build()
        assert isinstance(parser, argparse.ArgumentParser)
        return parser

    class Caught(Exception):
        pass

    caught: list[argparse.ArgumentParser] = []

    def catch(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> Any:
        caught.append(self)
        raise Caught

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", catch)
        with contextlib.suppress(Caught):
            cli.main([])
    assert caught, "pressrun.cli.main did not build an argparse parser"
    return caught[0]


def parse_pressrun(argv: list[str]) -> argparse.Namespace:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            return pressrun_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(
                f"`pressrun {shlex.join(argv)}` is not a pressrun command: {stderr.getvalue()}"
            )


def subcommand_chain(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[str, ...]:
    """The subcommand names `argv` selects, e.g. ("schedules", "sync")."""
    chain: list[str] = []
    for word in argv:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or word not in actions[0].choices:
            break
        chain.append(word)
        parser = actions[0].choices[word]
    return tuple(chain)


# ---- the compose file -----------------------------------------------------------------------


def test_compose_has_the_production_services() -> None:
    assert set(services()) >= EXPECTED_SERVICES
    assert {"migrate", "schedules", "api", "worker"} <= set(app_services())
    assert worker_services(), "no worker service"


def test_images_are_pinned() -> None:
    resolved = resolve(services(), dotenv(examples=False))
    for name, service in resolved.items():
        image = service.get("image")
        if "build" in service and not image:
            continue
        assert image, f"{name}: no image"
        if "@sha256:" in image:
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} is not pinned"
        if "build" not in service:
            # An upstream image: pinned in the file itself, not only by a default.
            assert "$" not in services()[name]["image"], f"{name}: pin {image!r} in the file"
            assert re.search(r"\d", tag), f"{name}: tag {tag!r} is not a version"


def test_temporal_schema_tools_match_the_server() -> None:
    tags = {
        name: service["image"].rpartition(":")[2]
        for name, service in services().items()
        if service.get("image", "").startswith(("temporalio/server:", "temporalio/admin-tools:"))
    }
    assert "temporal" in tags and "temporal-schema" in tags
    assert len(set(tags.values())) == 1, f"server and admin-tools versions differ: {tags}"


def test_app_services_build_from_the_dockerfile() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    env = dotenv(examples=False)
    images = set()
    for name, service in app_services().items():
        build = service["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
        assert (ROOT / context).resolve() == ROOT, f"{name}: builds from {context!r}"
        assert (ROOT / context / (dockerfile or "Dockerfile")) == DOCKERFILE, name
        images.add(interpolate(service.get("image", ""), env))
    assert len(images) == 1, f"the app services name different images: {images}"
    (image,) = images
    assert image.rpartition(":")[2] == version, f"{image} is not tagged {version}"


def test_commands_are_pressrun_subcommands() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["pressrun"] == f"{cli.__name__}:main"
    assert image_entrypoint() == ["pressrun"]
    found = set()
    for name, service in app_services().items():
        argv = command_of(service)
        assert argv[0] == "pressrun", f"{name}: runs {argv!r}"
        parse_pressrun(argv[1:])
        found.add(subcommand_chain(pressrun_parser(), argv[1:]))
    assert found >= EXPECTED_COMMANDS, f"missing: {EXPECTED_COMMANDS - found}"


def test_pressrun_services_use_names_the_app_reads() -> None:
    for name, service in app_services().items():
        for variable in environment_of(service):
            assert is_settings_name(variable), (
                f"{name}: {variable} is not a setting of pressrun.config.Settings"
            )
    # A compose variable named like a setting must be one (no look-alikes).
    for ref in compose_references():
        if ref.name.startswith("PRESSRUN_"):
            assert is_settings_name(ref.name), f"${{{ref.name}}} is not a setting"


def test_dockerfile_env_uses_names_the_app_reads() -> None:
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            for name in re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", args):
                if name.startswith(("PRESSRUN_", "TEMPORAL_")):
                    assert is_settings_name(name), f"Dockerfile ENV {name} is not a setting"


def test_docs_commands_are_pressrun_commands() -> None:
    commands = re.findall(r"`pressrun ([^`]+)`", DEPLOY_DOC.read_text())
    assert commands
    for command in commands:
        parse_pressrun(shlex.split(command))


def test_docs_and_env_example_use_names_the_app_reads() -> None:
    for path in (ENV_EXAMPLE, DEPLOY_DOC):
        for name in set(re.findall(r"\bPRESSRUN_[A-Z0-9_]*[A-Z0-9]", path.read_text())):
            assert is_settings_name(name), f"{path.name}: {name} is not a setting"


@pytest.mark.parametrize("examples", [False, True], ids=["defaults", "examples"])
def test_pressrun_services_settings_validate(
    examples: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pressrun container's environment builds valid Settings, with .env.example's
    defaults and with its commented examples switched on."""
    dot_env = dotenv(examples=examples)
    for name, service in app_services().items():
        with monkeypatch.context() as patch:
            settings = settings_from(container_env(service, dot_env), patch)
        url = urlsplit(settings.resolved_database_url())
        assert url.scheme == "postgresql+psycopg", f"{name}: {url.scheme}"
        if not examples:
            assert url.hostname == "postgres", name
            assert url.password == SECRET_STANDIN, f"{name}: app DB password not from .env"
            assert settings.temporal_address == "temporal:7233", name
            temporal_ns = services()["temporal-namespace"]["environment"]["TEMPORAL_NAMESPACE"]
            assert settings.temporal_namespace == interpolate(temporal_ns, dot_env), name
        pools = getattr(settings, "pools", None)
        if callable(pools):
            assert pools(), f"{name}: no worker pools"


def test_compose_defaults_are_the_apps_unless_deliberate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    with monkeypatch.context() as patch:
        app_defaults = settings_from({}, patch)
    for service in app_services().values():
        for name, value in environment_of(service).items():
            # Only `NAME: ${NAME:-literal}`: the app's name, passed on with a plain default.
            refs = list(_references(value or ""))
            if len(refs) != 1 or refs[0][:2] != (0, len(value or "")):
                continue
            ref = refs[0][2]
            if ref.name != name or ref.operator != ":-" or "$" in ref.argument:
                continue
            if name in DELIBERATE_DEFAULTS or "__" in name or not name.startswith(prefix):
                continue
            field = name.removeprefix(prefix).lower()
            with monkeypatch.context() as patch:
                from_compose = settings_from({name: ref.argument}, patch)
            assert getattr(from_compose, field) == getattr(app_defaults, field), (
                f"{name} defaults to {ref.argument!r} in compose, to "
                f"{getattr(app_defaults, field)!r} in the app"
            )


def test_api_is_reachable_in_its_container(monkeypatch: pytest.MonkeyPatch) -> None:
    api = services()["api"]
    settings = settings_from(container_env(api, dotenv(examples=False)), monkeypatch)
    assert settings.api_host == "0.0.0.0"
    assert settings.admin_api_key is not None
    targets = [str(port).rsplit(":", 1)[-1] for port in api.get("ports", [])]
    assert str(settings.api_port) in targets, f"port {settings.api_port} is not published"
    test = " ".join(api["healthcheck"]["test"])
    assert f":{settings.api_port}/" in test and ("/readyz" in test or "/healthz" in test)


def test_workers_scale_and_stop_gracefully(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dotenv(examples=False)
    for name, service in worker_services().items():
        assert "container_name" not in service, f"{name}: container_name stops --scale"
        assert not service.get("ports"), f"{name}: a host port stops --scale"
        assert "hostname" not in service, name
        with monkeypatch.context() as patch:
            settings = settings_from(container_env(service, env), patch)
        port = settings.worker_metrics_port
        assert port is not None, f"{name}: no metrics port for Prometheus and the healthcheck"
        assert f":{port}/" in " ".join(service["healthcheck"]["test"]), (
            f"{name}: the healthcheck does not read the metrics port {port}"
        )
        grace = _seconds(interpolate(str(service.get("stop_grace_period", "10s")), env))
        assert grace > settings.worker_shutdown_grace_seconds, (
            f"{name}: stop_grace_period {grace}s leaves no time for the "
            f"{settings.worker_shutdown_grace_seconds}s graceful shutdown"
        )


def test_dedicated_pools_serve_one_pool_each(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dotenv(examples=False)
    served = set()
    for name, service in worker_services().items():
        with monkeypatch.context() as patch:
            queues = settings_from(container_env(service, env), patch).worker_queues
        pools = {pool.strip() for pool in queues.split(",") if pool.strip()}
        if name != "worker":
            assert service.get("profiles"), f"{name}: a dedicated pool should be opt-in"
            assert len(pools) == 1, f"{name} serves {pools}"
        served |= pools
    assert served >= {"runs", "text", "images", "publish"}


def test_api_and_workers_share_the_media_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dotenv(examples=False)
    named_volumes = set(compose().get("volumes") or {})
    mounts = {}
    for name in ["api", *worker_services()]:
        service = services()[name]
        with monkeypatch.context() as patch:
            settings = settings_from(container_env(service, env), patch)
        needed = [settings.resolved_media_root(), settings.resolved_publish_root()]
        volumes = [str(v).split(":") for v in service.get("volumes", [])]
        covering = {
            source
            for source, target, *_ in volumes
            if all(path.is_relative_to(target) for path in needed)
        }
        assert covering, f"{name}: media and publish roots {needed} are on no volume"
        assert covering <= named_volumes, f"{name}: {covering} are not named volumes"
        mounts[name] = covering
    assert len(set(map(frozenset, mounts.values()))) == 1, f"different volumes: {mounts}"


def test_dependencies_are_in_place() -> None:
    everything = services()
    for name, expected in REQUIRED_DEPENDENCIES.items():
        declared = everything[name].get("depends_on", {})
        for dependency, condition in expected.items():
            assert isinstance(declared, dict) and dependency in declared, (
                f"{name} must depend on {dependency}"
            )
            assert declared[dependency].get("condition") == condition, (
                f"{name} must wait for {dependency}: {condition}"
            )
    for name, service in worker_services().items():
        declared = service.get("depends_on", {})
        for dependency, condition in WORKER_DEPENDENCIES.items():
            assert declared.get(dependency, {}).get("condition") == condition, (
                f"{name} must wait for {dependency}: {condition}"
            )
    # Every condition is one its dependency can meet.
    for name, service in everything.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in everything, f"{name} depends on unknown {dependency}"
            condition = spec.get("condition")
            if condition == "service_healthy":
                assert everything[dependency].get("healthcheck"), (
                    f"{name} waits for {dependency} to be healthy, it has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert dependency in ONE_SHOTS, f"{dependency} never completes"


def test_long_running_services_have_healthchecks() -> None:
    for name, service in services().items():
        if name in ONE_SHOTS:
            assert service.get("restart") == "no", f"one-shot {name} must not restart"
            continue
        assert service.get("restart") in ("always", "unless-stopped"), f"{name}: restart"
        healthcheck = service.get("healthcheck") or {}
        assert healthcheck.get("test") and not healthcheck.get("disable"), (
            f"{name} has no healthcheck"
        )


def test_namespace_step_creates_the_apps_search_attributes() -> None:
    env = services()["temporal-namespace"]["environment"]
    declared = dict(pair.split("=", 1) for pair in env["SEARCH_ATTRIBUTES"].split())
    wanted = {
        key.name: "".join(p.capitalize() for p in key.indexed_value_type.name.split("_"))
        for key in ALL_KEYS
    }
    assert declared == wanted


def test_mounted_files_exist_and_scripts_parse() -> None:
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")):
                path = (ROOT / source).resolve()
                assert path.exists(), f"{name} mounts missing {source}"
                assert ROOT in path.parents, f"{name} mounts {source} from outside the repo"
                scripts = [path] if path.is_file() else list(path.glob("*.sh"))
                for script in (s for s in scripts if s.suffix == ".sh"):
                    assert os.access(script, os.X_OK), f"{script.name} is not executable"
                    if shutil.which("sh"):
                        subprocess.run(["sh", "-n", str(script)], check=True)
    for name, service in services().items():
        entrypoint = service.get("entrypoint") or []
        for word in entrypoint if isinstance(entrypoint, list) else shlex.split(entrypoint):
            if word.startswith("/deploy/"):
                mounted = [
                    str(v).split(":")[0]
                    for v in service.get("volumes", [])
                    if str(v).split(":")[1] == "/deploy"
                ]
                in_mount = word.removeprefix("/deploy/")
                assert mounted and (ROOT / mounted[0] / in_mount).is_file(), (
                    f"{name} runs {word}, which is not in the directory mounted at /deploy"
                )


# ---- .env.example ---------------------------------------------------------------------------


def test_env_example_defines_every_variable() -> None:
    references = compose_references()
    example = env_example()
    for ref in references:
        assert ref.name in example, f".env.example does not mention {ref.name}"
        if ref.operator in (None, ":?", "?"):
            assert example[ref.name].active, f"{ref.name} has no default: set it in .env.example"
    # Names passed through to containers unchanged (`NAME:` with no value).
    for name, service in services().items():
        for variable, value in environment_of(service).items():
            if value is None:
                assert variable in example, f"{name} passes {variable}: add it to .env.example"
    referenced = {ref.name for ref in references} | {
        variable
        for service in services().values()
        for variable, value in environment_of(service).items()
        if value is None
    }
    assert set(example) <= referenced, f"not used by compose: {set(example) - referenced}"


def test_env_example_shows_the_real_defaults() -> None:
    example = env_example()
    for ref in compose_references():
        if ref.operator == ":-" and "$" not in ref.argument:
            line = example[ref.name]
            assert not line.active, f"{ref.name} is optional: leave it commented out"
            assert line.value == ref.argument, (
                f".env.example shows {ref.name}={line.value}, compose defaults to {ref.argument}"
            )


def test_env_example_holds_no_secrets() -> None:
    for ref in compose_references():
        if ref.operator in (":?", "?"):
            assert env_example()[ref.name].value == "", f"{ref.name} must be left empty"
    with pytest.raises(MissingVariable):
        resolve(services(), {n: v.value for n, v in env_example().items() if v.active})


# ---- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_base_image_is_pinned_and_slim() -> None:
    args = dockerfile_args()
    pinned = re.compile(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?")
    stages: set[str] = set()
    bases = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            image = interpolate(words[0], args)
            assert image in stages or pinned.fullmatch(image), f"FROM {image} is not pinned"
            bases.append(image)
            if len(words) == 3 and words[1].upper() == "AS":
                stages.add(words[2])
    assert bases and pinned.fullmatch(bases[-1]), f"the image runs on {bases[-1]}"


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"runs as {users[-1]}"


def test_dockerfile_installs_dependencies_before_the_source() -> None:
    instructions = dockerfile_instructions()
    copies = [(i, args) for i, (kw, args) in enumerate(instructions) if kw == "COPY"]
    pyproject = next(i for i, args in copies if args.split()[0] == "pyproject.toml")
    source = next(i for i, args in copies if args.split()[0] in ("pressrun", "pressrun/", "."))
    installs = [
        i for i, (kw, args) in enumerate(instructions) if kw == "RUN" and "pip install" in args
    ]
    assert any(pyproject < i < source for i in installs), "no dependency layer before the source"
    for keyword, args in instructions:
        if keyword == "RUN":
            assert "[dev]" not in args, "the image installs the dev extras"


def _dockerignore_excludes(path: str) -> bool:
    excluded = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if pattern.startswith("**/"):
            hit = any(fnmatch(part, pattern[3:]) for part in parts)
        else:
            hit = any(fnmatch(prefix, pattern) for prefix in prefixes)
        if hit:
            excluded = not negate
    return excluded


def test_dockerignore_keeps_the_context_small_and_secret_free() -> None:
    for path in (".git/HEAD", ".venv/bin/python", ".env", ".pressrun/pressrun.db", "tests/x.py"):
        assert _dockerignore_excludes(path), f"{path} reaches the build context"
    for path in ("pressrun/__pycache__/cli.cpython-311.pyc", "test-artifacts/log.txt"):
        assert _dockerignore_excludes(path), f"{path} reaches the build context"
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert not _dockerignore_excludes(source.rstrip("/")), f"{source} is ignored"
    assert not _dockerignore_excludes("pressrun/cli.py")
