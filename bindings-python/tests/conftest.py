"""Shared set-up: real native engines on temp SQLite files, cheap argon2 parameters for the
flow tests, and an environment for the default instance (``plinto.auth``) used by the FastAPI
tests, fixed before anything opens it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple

import pytest

# The default instance reads these on first use; no test may touch ./plinto.db.
_DEFAULT_DIR = tempfile.mkdtemp(prefix="plinto-default-")
os.environ["PLINTO_DATABASE"] = os.path.join(_DEFAULT_DIR, "default.db")
os.environ["PLINTO_SECRET_KEY"] = secrets.token_hex(32)
os.environ.pop("PLINTO_ISSUER", None)
# Wrong codes back to back in these tests (the enforced delay has its own test).
os.environ["PLINTO_CONFIG"] = '{"rateLimiting": {"progressiveDelay": false}}'

import plinto  # noqa: E402  (after the environment above)
import pyotp  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
EXAMPLE = ROOT / "examples" / "fastapi"
PASSWORD = "TestPassword123!"

#: Cheap argon2 so flow tests stay fast (the loop-lag test uses the defaults), and no
#: progressive delay: tests send wrong codes back to back (its own test turns it on).
FAST: Dict[str, Any] = {
    "password": {"memory_kib": 64, "iterations": 1},
    "rate_limiting": {"progressive_delay": False},
}


class Enrolled(NamedTuple):
    """A user with TOTP confirmed."""

    user_id: str
    email: str
    totp: pyotp.TOTP
    backup_codes: List[str]
    #: Time whose step was used to confirm; later checks use ``t0 + 30`` (replay guard).
    t0: float


def fresh_database(tmp_path: Path) -> str:
    """A database of its own for one test: a SQLite file in ``tmp_path``, or with
    ``PLINTO_TEST_BACKEND=postgres`` a fresh schema on the server at ``PLINTO_TEST_POSTGRES``."""
    if os.environ.get("PLINTO_TEST_BACKEND") != "postgres":
        return str(tmp_path / "plinto.db")
    server = os.environ["PLINTO_TEST_POSTGRES"]
    schema = f"t_{secrets.token_hex(8)}"
    subprocess.run(["psql", server, "-qc", f"CREATE SCHEMA {schema}"], check=True)
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{schema}"


def new_client(tmp_path: Path, sqlite: bool = False, **options: Any) -> plinto.Plinto:
    """A client on a database of its own (``sqlite=True``: always a SQLite file, for tests of
    what only a file has)."""
    return plinto.Plinto(
        database=tmp_path / "plinto.db" if sqlite else fresh_database(tmp_path),
        secret_key=secrets.token_hex(32),
        issuer="Plinto Tests",
        **{**FAST, **options},
    )


@pytest.fixture
def client(tmp_path: Path) -> plinto.Plinto:
    return new_client(tmp_path)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(6)}@example.com"


def enroll(auth: plinto.SyncAuth, email: str = "", role: str = "") -> Enrolled:
    """Signs up a user and confirms TOTP with a code computed by pyotp."""
    email = email or unique_email()
    user = auth.sign_up(email, PASSWORD, role=role or None).user
    setup = auth.enable_mfa(user_id=user.id, method="totp", label="MyApp")
    assert setup.secret
    totp = pyotp.TOTP(setup.secret)
    t0 = time.time()
    confirmed = auth.verify_mfa(user_id=user.id, method="totp", code=totp.at(t0))
    assert confirmed.success, confirmed
    assert confirmed.backup_codes
    return Enrolled(user.id, email, totp, list(confirmed.backup_codes), t0)


@pytest.fixture(scope="session")
def example_dir() -> Iterator[Path]:
    """The FastAPI example's folder on sys.path (it imports ``dependencies``)."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        yield EXAMPLE
    finally:
        sys.path.remove(str(EXAMPLE))
