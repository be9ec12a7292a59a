"""The public API as a strictly typed caller uses it (checked with ``mypy --strict`` by
``make test-python``, and run by pytest)."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from typing import List, Optional

import pyotp
import pytest

import plinto

PASSWORD = "TypedPassword123!"


def open_client(tmp_path: Path) -> plinto.Plinto:
    return plinto.Plinto(
        database=tmp_path / "typed.db",
        secret_key=secrets.token_bytes(32),
        issuer="Typed",
        password={"memory_kib": 64, "iterations": 1},
    )


def test_typed_sync_flow(tmp_path: Path) -> None:
    auth: plinto.SyncAuth = open_client(tmp_path).auth_sync
    up: plinto.SignUpResult = auth.sign_up("typed@example.com", PASSWORD)
    user: plinto.User = up.user
    session: plinto.Session = up.session
    assert session.expires_in > 0 and user["id"] == user.id

    setup: plinto.EnableMfaResult = auth.enableMFA(user_id=user.id, method="totp", label="Typed")
    secret: Optional[str] = setup.secret
    assert secret is not None
    totp = pyotp.TOTP(secret)
    t0 = time.time()
    confirmed: plinto.VerifyMfaResult = auth.verifyMFA(
        user_id=user.id, method="totp", code=totp.at(t0)
    )
    codes: Optional[List[str]] = confirmed.backup_codes
    assert confirmed.success and codes is not None

    status: plinto.MfaStatus = auth.getMFAStatus(user_id=user.id)
    remaining: int = status.backup_codes_remaining
    devices: List[plinto.TotpDevice] = status.totp_devices
    assert remaining == 10 and devices[0].name == "Typed"

    signin: plinto.SignInResult = auth.sign_in("typed@example.com", PASSWORD)
    assert signin.requires_mfa and signin.session_id is not None
    done = auth.mfa.challenge(session_id=signin.session_id, method="totp", code=totp.at(t0 + 30))
    assert done.session is not None
    info: plinto.SessionInfo = auth.verify_session(done.session.token)
    assert info.mfa_verified and info.user is not None and info.user.email == "typed@example.com"

    events: List[plinto.AuditEvent] = auth.list_audit_events(user.id, limit=10)
    assert events[0].created_at
    fresh: plinto.BackupCodes = auth.regenerateMFABackupCodes(user_id=user.id, count=3)
    assert len(fresh.codes) == 3
    applied: plinto.ConfigureResult = auth.mfa.configure(rate_limiting={"max_attempts": 4})
    assert applied.success

    off: plinto.DisableMfaResult = auth.disableMFA(
        user_id=user.id, confirmation_code=fresh.codes[0], password=PASSWORD
    )
    assert off.success and off.disabled_at

    with pytest.raises(plinto.RateLimitedError) as limited:
        for _ in range(6):
            try:
                auth.verify_password(user.id, "not it")
            except plinto.InvalidCredentialsError:
                pass
    retry: Optional[int] = limited.value.retry_after
    assert retry is not None and retry > 0
    # A locked password is refused wherever it is asked for, right or not.
    with pytest.raises(plinto.RateLimitedError):
        auth.verify_password(user.id, PASSWORD)


def test_typed_async_flow(tmp_path: Path) -> None:
    client = open_client(tmp_path)

    async def flow() -> plinto.SessionInfo:
        auth: plinto.AsyncAuth = client.auth
        up = await auth.sign_up("async@example.com", PASSWORD, role="admin")
        assert await auth.should_require_mfa(plinto.MfaLevel.ADMIN_ONLY, up.user.role)
        ok: plinto.SuccessResult = await auth.verify_password(up.user.id, PASSWORD)
        assert ok.success
        try:
            await auth.require_recent_mfa(up.session.token, max_age=60)
        except plinto.StepUpRequiredError as error:
            assert error.code == "mfa_step_up_required"
        return await auth.verify_session(up.session.token)

    info = asyncio.run(flow())
    assert info.valid and info.to_dict()["user"]["role"] == "admin"


def test_typed_errors(tmp_path: Path) -> None:
    auth = open_client(tmp_path).auth_sync
    with pytest.raises(plinto.InvalidInputError) as error:
        auth.get_mfa_status(user_id=42)  # type: ignore[arg-type]
    field: Optional[str] = error.value.field
    assert field == "user_id" and error.value.to_dict()["code"] == "invalid_input"
    codes: List[str] = list(plinto.ERROR_CODES)
    assert "mfa_rate_limited" in codes
