"""The operation conformance vectors (``tests/vectors/operations/*.json``) through the
package's engine with JSON arguments: the same scenarios core and every other binding run.

Arguments go in as the vectors spell them (camelCase); results come back as records with
snake_case keys and error fields snake_case, so the vectors' names are read that way here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest

import plinto
from conftest import VECTORS

KEY = "3c" * 32
FILES = sorted((VECTORS / "operations").glob("*.json"))
_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(name: str) -> str:
    return _UPPER.sub(r"_\1", name).lower()


def resolve(v: Any, saved: Dict[str, Any]) -> Any:
    if isinstance(v, str) and v.startswith("$"):
        name, *path = v[1:].split(".")
        assert name in saved, f"nothing saved as {v}"
        cur = saved[name]
        for p in path:
            cur = cur[int(p)] if p.isdigit() else cur[snake(p)]
        return cur
    if isinstance(v, list):
        return [resolve(x, saved) for x in v]
    if isinstance(v, dict):
        return {k: resolve(x, saved) for k, x in v.items()}
    return v


def matches(pattern: Any, got: Any) -> bool:
    present = got is not None
    if pattern == "$absent":
        return not present
    if pattern == "$present":
        return present
    if pattern == "$string":
        return isinstance(got, str)
    if pattern == "$number":
        return isinstance(got, (int, float)) and not isinstance(got, bool)
    if isinstance(pattern, list):
        return isinstance(got, list) and len(got) == len(pattern) and all(
            matches(p, g) for p, g in zip(pattern, got)
        )
    if isinstance(pattern, dict):
        return isinstance(got, dict) and all(
            matches(p, got.get(snake(k))) for k, p in pattern.items()
        )
    if isinstance(pattern, str) and isinstance(got, str) and got != pattern:
        # Error fields are spelled snake_case in Python.
        return snake(pattern) == got
    return bool(pattern == got)


def records(raw: Any) -> Any:
    if isinstance(raw, dict):
        return plinto.Record.from_json(raw)
    if isinstance(raw, list):
        return [records(x) for x in raw]
    return raw


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_conformance_vector(path: Path, tmp_path: Path) -> None:
    vector = json.loads(path.read_text())
    client = plinto.Plinto(
        database=tmp_path / "p.db",
        secret_key=KEY,
        password={"memory_kib": 64, "iterations": 1},
        **vector.get("options", {}),
    )
    saved: Dict[str, Any] = {"key": KEY}
    for i, step in enumerate(vector["steps"]):
        at = f"{path.name} step {i} ({step['op']})"
        args = resolve(step["args"], saved)
        try:
            result = records(client._call(step["op"], args))
        except plinto.MfaError as e:
            assert "error" in step["expect"], f"{at}: {e!r}"
            got = {"code": e.code, "field": e.field, "reason": e.reason}
            assert matches(step["expect"]["error"], got), f"{at}: {got} vs {step['expect']}"
            continue
        assert "ok" in step["expect"], f"{at}: expected an error, got {result!r}"
        assert matches(step["expect"]["ok"], result), f"{at}: {result!r} vs {step['expect']}"
        if "save" in step:
            saved[step["save"]] = result


def test_every_core_operation_is_a_method_or_a_documented_exclusion(tmp_path: Path) -> None:
    table = json.loads((VECTORS / "operations.json").read_text())["operations"]
    client = plinto.Plinto(database=tmp_path / "p.db", secret_key=KEY)
    namespaces = {"auth": (client.auth_sync, client.auth), "mfa": (client.auth_sync.mfa, client.auth.mfa)}
    for op in table:
        if op["custom"]["python"] and op["name"] != "configure":
            assert op["note"], f"{op['name']} is left out of Python without a reason"
            continue
        if op["namespace"] == "authenticator":
            assert callable(getattr(plinto, op["name"])), op["name"]
            continue
        blocking, coroutines = namespaces[op["namespace"]]
        assert callable(getattr(blocking, op["name"])), op["name"]
        assert callable(getattr(coroutines, op["name"])), op["name"]
