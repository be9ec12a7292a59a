"""One database, two languages: a user enrolled through the Node package signs in with MFA
through the Python package, and the other way round. Both run the real native core, on a
SQLite file and on the PostgreSQL server at ``PLINTO_TEST_POSTGRES`` (a schema of its own per
test; ``make test-cross`` starts a server)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any, Dict

import pyotp
import pytest

import plinto

ROOT = Path(__file__).resolve().parents[2]
NODE_PKG = ROOT / "bindings-node"
PASSWORD = "TestPassword123!"

ENROLL_JS = """
const { createPlinto } = require(process.env.PKG);
const { authenticator } = require(process.env.PKG + '/node_modules/otplib');
(async () => {
  const p = createPlinto({ database: process.env.DB, secretKey: process.env.KEY, password: { memoryKib: 64, iterations: 1 } });
  const { user } = await p.auth.signUp({ email: process.env.EMAIL, password: process.env.PASSWORD });
  const setup = await p.auth.enableMFA({ userId: user.id, method: 'totp', label: 'CrossApp' });
  const r = await p.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(setup.secret) });
  console.log(JSON.stringify({ userId: user.id, secret: setup.secret, confirmed: r.success }));
})().catch((e) => { console.error(e); process.exit(1) });
"""

SIGN_IN_JS = """
const { createPlinto } = require(process.env.PKG);
const { authenticator } = require(process.env.PKG + '/node_modules/otplib');
(async () => {
  const p = createPlinto({ database: process.env.DB, secretKey: process.env.KEY });
  const signIn = await p.auth.signIn({ email: process.env.EMAIL, password: process.env.PASSWORD });
  const code = authenticator.clone({ epoch: Date.now() + 30000 }).generate(process.env.SECRET);
  const r = await p.auth.mfa.challenge({ sessionId: signIn.sessionId, method: 'totp', code });
  const session = r.success ? await p.auth.verifySession(r.session.token) : null;
  console.log(JSON.stringify({ requiresMfa: signIn.requiresMfa, success: r.success, email: r.user && r.user.email, valid: session && session.valid }));
})().catch((e) => { console.error(e); process.exit(1) });
"""


def node(script: str, env: Dict[str, str]) -> Dict[str, Any]:
    out = subprocess.run(
        ["node", "-e", script],
        env={**os.environ, "PKG": str(NODE_PKG), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: Dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(params=["sqlite", "postgres"])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database both languages open: a file, or a fresh schema on the test server."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.db")
    server = os.environ.get("PLINTO_TEST_POSTGRES")
    assert server, "PLINTO_TEST_POSTGRES is not set (run through tests/postgres/with-server.sh)"
    schema = f"t_{secrets.token_hex(8)}"
    subprocess.run(["psql", server, "-qc", f"CREATE SCHEMA {schema}"], check=True)
    return f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"


def test_enrolled_in_node_signs_in_from_python(shared_db: str) -> None:
    db, key = shared_db, secrets.token_hex(32)
    enrolled = node(ENROLL_JS, {"DB": db, "KEY": key, "EMAIL": "node-user@example.com", "PASSWORD": PASSWORD})
    assert enrolled["confirmed"] is True
    auth = plinto.Plinto(database=db, secret_key=key).auth_sync
    signin = auth.sign_in("node-user@example.com", PASSWORD)
    assert signin.requires_mfa and signin.session_id
    # The next step's code: the step Node used is spent (the replay guard is in the file).
    code = pyotp.TOTP(enrolled["secret"]).at(time.time() + 30)
    done = auth.verify_mfa(session_id=signin.session_id, method="totp", code=code)
    assert done.success, done
    assert done.user is not None and done.user.id == enrolled["userId"]
    assert auth.get_mfa_status(enrolled["userId"]).methods == ["totp", "backup"]


def test_enrolled_in_python_signs_in_from_node(shared_db: str) -> None:
    db, key = shared_db, secrets.token_hex(32)
    auth = plinto.Plinto(database=db, secret_key=key, password={"memory_kib": 64, "iterations": 1}).auth_sync
    user = auth.sign_up("py-user@example.com", PASSWORD).user
    setup = auth.enable_mfa(user.id, "totp", label="CrossApp")
    assert setup.secret is not None
    assert auth.verify_mfa(user_id=user.id, method="totp", code=pyotp.TOTP(setup.secret).now()).success
    result = node(SIGN_IN_JS, {"DB": db, "KEY": key, "EMAIL": "py-user@example.com", "PASSWORD": PASSWORD, "SECRET": setup.secret})
    assert result == {"requiresMfa": True, "success": True, "email": "py-user@example.com", "valid": True}
