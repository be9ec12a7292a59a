"""plinto.fastapi: the guide's dependencies built into the package (default instance)."""

from __future__ import annotations

import time

import pyotp
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

import plinto
from plinto.fastapi import (
    MfaLevel,
    MfaRequirement,
    StepUpRequirement,
    get_current_session,
    get_current_user,
)
from conftest import PASSWORD, unique_email

app = FastAPI()


@app.get("/me")
async def me(user: plinto.User = Depends(get_current_user)) -> plinto.User:
    return user


@app.get("/session")
async def session(info: plinto.SessionInfo = Depends(get_current_session)) -> dict:
    return {"mfa_verified": info.mfa_verified}


def _route(level: MfaLevel) -> None:
    requirement = MfaRequirement(level)

    @app.get(f"/guarded/{level.value}")
    async def handler(user: plinto.User = Depends(requirement)) -> dict:
        return {"id": user.id, "level": level.value}


for _level in MfaLevel:
    _route(_level)


def client() -> TestClient:
    return TestClient(app, base_url="https://testserver")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_levels_follow_the_engine_policy() -> None:
    auth = plinto.auth_sync
    user = auth.sign_up(unique_email("helper"), PASSWORD)
    admin = auth.sign_up(unique_email("helper-admin"), PASSWORD, role="admin")
    with client() as http:
        assert http.get("/me").status_code == 401
        assert http.get("/me", headers=bearer("nonsense")).status_code == 401
        assert http.get("/me", headers=bearer(user.session.token)).json()["id"] == user.user.id
        for level, user_status, admin_status in [
            (MfaLevel.NONE, 200, 200),
            (MfaLevel.OPTIONAL, 200, 200),
            (MfaLevel.REQUIRED, 403, 403),
            (MfaLevel.ADMIN_ONLY, 200, 403),
        ]:
            r = http.get(f"/guarded/{level.value}", headers=bearer(user.session.token))
            assert r.status_code == user_status, (level, r.text)
            r = http.get(f"/guarded/{level.value}", headers=bearer(admin.session.token))
            assert r.status_code == admin_status, (level, r.text)
            if r.status_code == 403:
                assert r.json()["detail"]["requires_mfa_setup"] is True

        # The admin enrolls; a factor confirmed without naming the session ends it (it never
        # passed MFA), so the admin signs in again through the challenge.
        setup = auth.enable_mfa(admin.user.id, "totp")
        assert setup.secret
        totp = pyotp.TOTP(setup.secret)
        t0 = time.time()
        assert auth.verify_mfa(user_id=admin.user.id, method="totp", code=totp.at(t0)).success
        r = http.get("/guarded/admin_only", headers=bearer(admin.session.token))
        assert r.status_code == 401
        pending = auth.sign_in(admin.user.email, PASSWORD)
        r = http.get("/guarded/admin_only", headers=bearer(pending.session_id or ""))
        assert r.status_code == 403 and r.json()["detail"]["requires_mfa"] is True
        assert "session_id" not in r.json()["detail"]
        step = auth.verify_mfa(
            session_id=pending.session_id, method="totp", code=totp.at(t0 + 30)
        )
        assert step.success and step.session is not None
        admin = admin.__class__({**admin, "session": step.session})
        r = http.get("/guarded/admin_only", headers=bearer(admin.session.token))
        assert r.status_code == 200 and r.json()["id"] == admin.user.id
        assert http.get("/session", headers=bearer(admin.session.token)).json() == {
            "mfa_verified": True
        }

        # A pending sign-in session is refused with what is needed.
        pending = auth.sign_in(admin.user.email, PASSWORD)
        assert pending.session_id
        r = http.get("/me", headers=bearer(pending.session_id))
        assert r.status_code == 403 and r.json()["detail"]["requires_mfa"] is True


def test_requirement_rejects_unknown_levels() -> None:
    with pytest.raises(ValueError):
        MfaRequirement("sometimes")  # type: ignore[arg-type]
    assert repr(MfaRequirement(MfaLevel.ADMIN_ONLY)) == "MfaRequirement('admin_only')"


def test_step_up_requirement_and_pending_sessions() -> None:
    app = FastAPI()

    @app.post("/transfer")
    async def transfer(
        grant: plinto.Authorization = Depends(StepUpRequirement("wire_transfer")),
    ) -> dict:
        return {"by": grant.user.id, "step_up": grant.step_up}

    http = TestClient(app)
    auth = plinto.auth_sync
    auth.mfa.configure(security={"step_up_required": [
        "factor_add", "factor_remove", "mfa_disable", "backup_codes_regenerate", "wire_transfer",
    ]})
    try:
        up = auth.sign_up(unique_email("wire"), PASSWORD)
        # Without MFA, a young session is the step-up.
        r = http.post("/transfer", headers=bearer(up.session.token))
        assert r.status_code == 200 and r.json()["step_up"] is True
        setup = auth.enable_mfa(up.user.id, "totp", session_token=up.session.token)
        totp = pyotp.TOTP(setup.secret or "")
        t0 = time.time()
        assert auth.verify_mfa(user_id=up.user.id, method="totp", code=totp.at(t0)).success
        pending = auth.sign_in(up.user.email, PASSWORD)
        r = http.post("/transfer", headers=bearer(pending.session_id or ""))
        assert r.status_code == 401
        assert http.post("/transfer").status_code == 401
        done = auth.verify_mfa(session_id=pending.session_id, method="totp", code=totp.at(t0 + 30))
        assert done.session is not None
        assert http.post("/transfer", headers=bearer(done.session.token)).status_code == 200
        auth.mfa.configure(security={"step_up_max_age_seconds": 1})
        time.sleep(2.1)
        r = http.post("/transfer", headers=bearer(done.session.token))
        assert r.status_code == 403
        detail = r.json()["detail"]
        assert detail["step_up_required"] is True and detail["methods"] == ["totp", "backup"]
        assert detail["max_age"] == 1
        with pytest.raises(plinto.StepUpRequiredError) as refused:
            auth.authorize(done.session.token, "wire_transfer")
        assert refused.value.max_age == 1 and refused.value.methods == ["totp", "backup"]
    finally:
        auth.mfa.configure(security={"step_up_max_age_seconds": 600, "step_up_required": [
            "mfa_disable", "backup_codes_regenerate", "factor_add", "factor_remove",
            "password_change", "email_change", "account_delete", "payment_method_add",
        ]})
