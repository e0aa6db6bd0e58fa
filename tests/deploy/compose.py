"""Reading docker-compose.yml as Compose would: YAML with merge keys, `${VAR}` interpolation."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = ("indicators", "religion", "dialogue", "reporting")
NATS_NODES = ("nats-1", "nats-2", "nats-3")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(LookupError):
    pass


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The file as Compose parses it before interpolation (anchors and `<<` merged)."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return data


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as vendored by the check-jsonschema package
    (check_jsonschema/builtin_schemas/vendor/compose-spec.json, from compose-spec/compose-spec):
    no network is needed at test time."""
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Compose's variable substitution over a parsed document; a `:?` variable that is unset
    or empty raises MissingVariable, as `docker compose` refuses to start."""
    if isinstance(value, dict):
        return {k: interpolate(v, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, environ) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = environ.get(name)
        empty = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and empty:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and empty:
            return arg or ""
        return current or ""

    return _VARIABLE.sub(substitute, value)


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}
