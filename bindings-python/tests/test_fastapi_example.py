"""The guide's FastAPI example (examples/fastapi) over HTTP, on the package's default instance
(a temp database: see conftest). TOTP codes come from pyotp."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List, NamedTuple

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient

import plinto
from conftest import PASSWORD, unique_email

# The example sets Secure cookies, which httpx sends over https only.
BASE = "https://testserver"


@pytest.fixture(scope="module")
def example(example_dir: Path) -> ModuleType:
    return importlib.import_module("main")


@pytest.fixture
def http(example: ModuleType) -> Iterator[TestClient]:
    with TestClient(example.app, base_url=BASE) as client:
        yield client


class WebUser(NamedTuple):
    email: str
    user_id: str
    totp: pyotp.TOTP
    backup_codes: List[str]
    t0: float


def new_http(example: ModuleType) -> TestClient:
    return TestClient(example.app, base_url=BASE)


def sign_up(http: TestClient, email: str = "") -> Dict[str, Any]:
    r = http.post("/api/auth/signup", json={"email": email or unique_email("web"), "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert http.cookies.get("__Host-session")
    body: Dict[str, Any] = r.json()
    return body


def enroll_over_http(http: TestClient) -> WebUser:
    """Signs up and sets up TOTP through the API, confirming with a pyotp code."""
    body = sign_up(http)
    setup = http.post("/api/auth/mfa/setup", json={"method": "totp", "label": "MyApp"})
    assert setup.status_code == 200, setup.text
    data = setup.json()
    assert data["success"] and data["qr_code_url"].startswith("otpauth://totp/MyApp:")
    totp = pyotp.TOTP(data["secret"])
    t0 = time.time()
    confirm = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": totp.at(t0)})
    assert confirm.status_code == 200, confirm.text
    codes = confirm.json()["backup_codes"]
    assert len(codes) == 10
    return WebUser(body["user"]["email"], body["user"]["id"], totp, codes, t0)


def sign_in(http: TestClient, email: str) -> Dict[str, Any]:
    r = http.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body: Dict[str, Any] = r.json()
    return body


def test_totp_setup_sign_in_verify_then_cookie_works(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
        status = http.get("/api/auth/mfa/status")
        assert status.status_code == 200
        assert status.json() == {
            "enabled": True,
            "methods": ["totp", "backup"],
            "backup_codes_remaining": 10,
            "last_used": status.json()["last_used"],
            "push_devices": [],
        }

    with new_http(example) as browser:
        assert browser.get("/api/auth/mfa/status").status_code == 401
        signin = sign_in(browser, user.email)
        assert signin["requires_mfa"] is True and signin["session_id"]
        assert signin["mfa_methods"] == ["totp", "backup"]
        assert not browser.cookies.get("__Host-session")

        # The pending session authenticates nothing: not the status, no route at any level.
        for method, path in [
            ("GET", "/api/auth/mfa/status"),
            ("GET", "/api/profile"),
            ("POST", "/api/payments"),
            ("POST", "/api/admin/users"),
            ("GET", "/api/auth/sessions"),
        ]:
            pending = browser.request(
                method,
                path,
                headers={"Authorization": f"Bearer {signin['session_id']}"},
                json={"amount": 1, "email": "x@example.com", "password": PASSWORD},
            )
            assert pending.status_code == 401, (method, path, pending.text)

        verify = browser.post(
            "/api/auth/mfa/verify",
            json={
                "session_id": signin["session_id"],
                "method": "totp",
                "code": user.totp.at(user.t0 + 30),
            },
        )
        assert verify.status_code == 200, verify.text
        body = verify.json()
        assert body["success"] and body["user"]["id"] == user.user_id
        assert body["session"]["mfa_verified"] is True
        assert browser.cookies.get("__Host-session") == body["session"]["token"]
        assert "httponly" in verify.headers["set-cookie"].lower()

        status = browser.get("/api/auth/mfa/status")
        assert status.status_code == 200 and status.json()["enabled"] is True
        # Bearer tokens work as well as the cookie.
        bearer = httpx.Headers({"Authorization": f"Bearer {body['session']['token']}"})
        with new_http(example) as other:
            assert other.get("/api/auth/mfa/status", headers=bearer).status_code == 200

        out = browser.post("/api/auth/signout")
        assert out.status_code == 200
        with new_http(example) as other:
            assert other.get("/api/auth/mfa/status", headers=bearer).status_code == 401


def test_backup_code_works_once(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
    code = user.backup_codes[0]
    with new_http(example) as first:
        signin = sign_in(first, user.email)
        ok = first.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["session_id"], "method": "backup", "code": code},
        )
        assert ok.status_code == 200, ok.text
        assert first.get("/api/auth/mfa/status").json()["backup_codes_remaining"] == 9
    with new_http(example) as second:
        signin = sign_in(second, user.email)
        again = second.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["session_id"], "method": "backup", "code": code},
        )
        assert again.status_code == 401
        assert again.json()["detail"]["error"] == "Invalid MFA code"
        assert again.json()["detail"]["attempts_remaining"] == 4


def test_wrong_codes_give_401_then_429(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
    right = user.totp.at(user.t0 + 30)
    wrong = "111111" if right != "111111" else "222222"
    with new_http(example) as http:
        signin = sign_in(http, user.email)
        statuses = []
        for _ in range(6):
            r = http.post(
                "/api/auth/mfa/verify",
                json={"session_id": signin["session_id"], "method": "totp", "code": wrong},
            )
            statuses.append(r.status_code)
            if r.status_code == 401:
                assert isinstance(r.json()["detail"]["attempts_remaining"], int)
            if r.status_code == 429:
                assert int(r.headers["retry-after"]) > 0
                assert r.json()["detail"]["retry_after"] > 0
        assert statuses[:4] == [401, 401, 401, 401]
        assert 429 in statuses and statuses[-1] == 429
        # Locked out: the right code is refused too.
        r = http.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["session_id"], "method": "totp", "code": right},
        )
        assert r.status_code == 429


def test_disable_and_regenerate(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
        # The password and the code travel in the body, never in the query string (which
        # lands in access logs): a query-string password is not read.
        r = http.post(
            "/api/auth/mfa/disable",
            params={"password": PASSWORD, "confirmation_code": user.backup_codes[0]},
        )
        assert r.status_code == 422
        r = http.post("/api/auth/mfa/disable", json={"confirmation_code": user.backup_codes[0]})
        assert r.status_code == 422
        r = http.post(
            "/api/auth/mfa/disable",
            json={"password": "wrong password", "confirmation_code": user.backup_codes[0]},
        )
        assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_credentials"

        bad = http.post("/api/auth/mfa/backup-codes/regenerate", json={"password": "nope"})
        assert bad.status_code == 401
        fresh = http.post("/api/auth/mfa/backup-codes/regenerate", json={"password": PASSWORD})
        assert fresh.status_code == 200, fresh.text
        codes = fresh.json()["codes"]
        assert len(codes) == 10 and fresh.json()["generated_at"]
        assert codes[0] not in user.backup_codes

        r = http.post(
            "/api/auth/mfa/disable",
            json={"password": PASSWORD, "confirmation_code": codes[0]},
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"success": True, "message": "MFA disabled"}
        assert http.get("/api/auth/mfa/status").json()["enabled"] is False


def test_mfa_requirement_levels(example: ModuleType) -> None:
    payment = {"amount": 1200, "currency": "EUR"}
    with new_http(example) as anonymous:
        assert anonymous.post("/api/payments", json=payment).status_code == 401
        assert anonymous.get("/api/profile").status_code == 401

    # A user without MFA: the optional route lets them through, required does not, and the
    # admin route is for administrators, whatever the MFA level says.
    with new_http(example) as plain:
        sign_up(plain)
        assert plain.get("/api/profile").status_code == 200
        r = plain.post("/api/payments", json=payment)
        assert r.status_code == 403 and r.json()["detail"]["requires_mfa_setup"] is True
        made = unique_email("made")
        created = plain.post(
            "/api/admin/users", json={"email": made, "password": PASSWORD, "role": "super_admin"}
        )
        assert created.status_code == 403, created.text
        assert created.json()["detail"]["code"] == "forbidden_role"
        with pytest.raises(plinto.InvalidCredentialsError):
            plinto.auth_sync.sign_in(made, PASSWORD)

    # MFA set up in this session: the session that confirmed the factor has been through
    # the password and the factor, so it passes; the payment's step-up is recent.
    with new_http(example) as http:
        user = enroll_over_http(http)
        r = http.post("/api/payments", json=payment)
        assert r.status_code == 200 and r.json() == {"success": True, "amount": 1200, "currency": "EUR"}
        # A step-up of this session over HTTP.
        step_up = http.post(
            "/api/auth/mfa/step-up", json={"method": "backup", "code": user.backup_codes[1]}
        )
        assert step_up.status_code == 200, step_up.text

    # An administrator: the role passes, and the new user's role is not taken from the body.
    admin_email = unique_email("admin")
    admin = plinto.auth_sync.sign_up(admin_email, PASSWORD, role="admin")
    with new_http(example) as http:
        bearer = {"Authorization": f"Bearer {admin.session.token}"}
        setup = http.post("/api/auth/mfa/setup", json={"method": "totp"}, headers=bearer)
        assert setup.status_code == 200, setup.text
        code = pyotp.TOTP(setup.json()["secret"]).now()
        done = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": code}, headers=bearer)
        assert done.status_code == 200, done.text
        made = http.post(
            "/api/admin/users",
            json={"email": unique_email("made"), "password": PASSWORD, "role": "super_admin"},
            headers=bearer,
        )
        assert made.status_code == 200, made.text
        assert made.json()["user"]["role"] == "user"

    # Signed in through the MFA challenge: allowed directly.
    with new_http(example) as http:
        signin = sign_in(http, user.email)
        done = http.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["session_id"], "method": "totp", "code": user.totp.at(user.t0 + 30)},
        )
        assert done.status_code == 200, done.text
        assert http.post("/api/payments", json=payment).status_code == 200

    # Admins need MFA on admin-only routes.
    admin_email = unique_email("admin")
    plinto.auth_sync.sign_up(admin_email, PASSWORD, role="admin")
    with new_http(example) as admin:
        signin = sign_in(admin, admin_email)
        assert signin["requires_mfa"] is False
        r = admin.post("/api/admin/users", json={"email": unique_email("x"), "password": PASSWORD})
        assert r.status_code == 403 and r.json()["detail"]["requires_mfa_setup"] is True


def test_sign_up_and_sign_in_errors(example: ModuleType) -> None:
    with new_http(example) as http:
        email = unique_email("dup")
        sign_up(http, email)
        assert http.post("/api/auth/signup", json={"email": email, "password": PASSWORD}).status_code == 409
        short = http.post("/api/auth/signup", json={"email": unique_email(), "password": "short"})
        assert short.status_code == 400 and short.json()["detail"]["field"] == "password"
        wrong = http.post("/api/auth/signin", json={"email": email, "password": "wrong password"})
        assert wrong.status_code == 401
        # Confirming a setup that was never started.
        r = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": "123456"})
        assert r.status_code == 400 and "not set up" in r.json()["detail"]
    with new_http(example) as anonymous:
        r = anonymous.post("/api/auth/mfa/verify", json={"method": "totp", "code": "123456"})
        assert r.status_code == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_served_by_uvicorn(example_dir: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, PLINTO_DATABASE=str(tmp_path / "served.db"))
    env.pop("PLINTO_SECRET_KEY", None)  # the development key file path
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=example_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                httpx.get(f"{url}/api/auth/mfa/status", timeout=1)
                break
            except httpx.TransportError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        r = httpx.post(
            f"{url}/api/auth/signup",
            json={"email": unique_email("served"), "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        token = r.json()["session"]["token"]
        status = httpx.get(
            f"{url}/api/auth/mfa/status", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert status.status_code == 200 and status.json()["enabled"] is False
        assert (tmp_path / "served.db.key").is_file()  # development key beside the database
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


def test_sms_setup_and_resend_over_http(example: ModuleType, capfd: pytest.CaptureFixture[str]) -> None:
    http = new_http(example)
    user = sign_up(http)
    bearer = {"Authorization": f"Bearer {user['session']['token']}"}
    bad = http.post("/api/auth/mfa/setup", json={"method": "sms", "phone_number": "invalid"}, headers=bearer)
    assert bad.status_code == 400
    assert bad.json()["detail"]["field"] == "phone_number"
    ok = http.post("/api/auth/mfa/setup", json={"method": "sms", "phone_number": "+15555550142"}, headers=bearer)
    assert ok.status_code == 200, ok.text
    assert ok.json()["destination"] == "+1******0142"
    # The development console sender printed the message; take the code from it.
    printed = capfd.readouterr().out
    code = printed.rsplit("[plinto] code for +15555550142: ", 1)[1][:6]
    confirm = http.post("/api/auth/mfa/verify", json={"method": "sms", "code": code}, headers=bearer)
    assert confirm.status_code == 200, confirm.text
    # The destination is confirmed: nothing is being set up any more.
    setup_over = http.post("/api/auth/mfa/resend", json={"method": "sms"}, headers=bearer)
    assert setup_over.status_code == 400
    # Step-up codes for this session: the second at once meets the per-minute limit (429).
    first = http.post("/api/auth/mfa/resend", json={"method": "sms", "step_up": True}, headers=bearer)
    assert first.status_code == 200, first.text
    again = http.post("/api/auth/mfa/resend", json={"method": "sms", "step_up": True}, headers=bearer)
    assert again.status_code == 429, again.text
    assert again.json()["detail"]["retry_after"] > 0
    assert new_http(example).post("/api/auth/mfa/resend", json={"method": "sms"}).status_code == 401


def test_cookies_and_cross_site_requests(example: ModuleType) -> None:
    with new_http(example) as http:
        r = http.post("/api/auth/signup", json={"email": unique_email("cookie"), "password": PASSWORD})
        cookie = r.headers["set-cookie"]
        # Over https: the __Host- prefix, Secure, HttpOnly, Path=/ and SameSite=Lax.
        assert cookie.startswith("__Host-session=")
        for part in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
            assert part.lower() in cookie.lower(), cookie
        # A cross-site POST with the cookie is refused before the route: no sign-out.
        evil = http.post("/api/auth/signout", headers={"Origin": "https://evil.example"})
        assert evil.status_code == 403 and evil.json()["detail"]["code"] == "forbidden_origin"
        fetched = http.post("/api/auth/signout", headers={"Sec-Fetch-Site": "cross-site"})
        assert fetched.status_code == 403
        # Without the cookie too (a SameSite=Lax cookie is not sent cross-site, and the
        # sign-out would still clear it); nor may another site sign the user in.
        with new_http(example) as stranger:
            r = stranger.post("/api/auth/signout", headers={"Origin": "https://evil.example"})
            assert r.status_code == 403 and "set-cookie" not in r.headers
            r = stranger.post(
                "/api/auth/signin",
                json={"email": "x@example.com", "password": PASSWORD},
                headers={"Sec-Fetch-Site": "cross-site"},
            )
            assert r.status_code == 403
            # Over https a plain `session` cookie (a sibling subdomain could plant one) is
            # not read.
            token = http.cookies.get("__Host-session") or ""
            planted = stranger.get("/api/auth/sessions", headers={"Cookie": f"session={token}"})
            assert planted.status_code == 401
        assert http.get("/api/auth/sessions").status_code == 200
        # This site's own page may.
        own = http.post("/api/auth/signout", headers={"Origin": BASE})
        assert own.status_code == 200
        http.cookies.clear()
        assert http.get("/api/auth/sessions").status_code == 401


def test_sessions_and_password_change_over_http(example: ModuleType) -> None:
    email = unique_email("sessions")
    with new_http(example) as laptop, new_http(example) as phone:
        sign_up(laptop, email)
        phone_signin = phone.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
        assert phone_signin.status_code == 200
        listed = laptop.get("/api/auth/sessions").json()["sessions"]
        assert [s["current"] for s in listed] == [False, True]
        assert all(s["id"].startswith("ses_") for s in listed)
        weak = laptop.post(
            "/api/auth/password", json={"current_password": PASSWORD, "new_password": "password1"}
        )
        assert weak.status_code == 400 and weak.json()["detail"]["field"] == "new_password"
        changed = laptop.post(
            "/api/auth/password",
            json={"current_password": PASSWORD, "new_password": "Second-Long-Password-3"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["revoked"] == 1
        assert phone.get("/api/auth/sessions").status_code == 401
        assert laptop.get("/api/auth/sessions").status_code == 200


def test_rollout_admin_routes_and_a_session_held_to_enrollment(example: ModuleType) -> None:
    # Administrators: role, MFA on the session, recent MFA.
    admin_email = unique_email("rollout-admin")
    admin = plinto.auth_sync.sign_up(admin_email, PASSWORD, role="admin")
    with new_http(example) as http:
        bearer = {"Authorization": f"Bearer {admin.session.token}"}
        assert http.get("/api/admin/rollout", headers=bearer).status_code == 403
        setup = http.post("/api/auth/mfa/setup", json={"method": "totp"}, headers=bearer)
        code = pyotp.TOTP(setup.json()["secret"]).now()
        done = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": code}, headers=bearer)
        assert done.status_code == 200, done.text
        status = http.get("/api/admin/rollout", headers=bearer)
        assert status.status_code == 200, status.text
        changed = http.post(
            "/api/admin/rollout",
            json={"phase": "ENCOURAGED", "prompt_locations": ["dashboard"]},
            headers=bearer,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["phase"] == "encouraged"
        bad = http.post("/api/admin/rollout", json={"phase": "soon"}, headers=bearer)
        assert bad.status_code == 400 and bad.json()["detail"]["field"] == "phase"
        stats = http.get("/api/admin/rollout/stats?days=7", headers=bearer)
        assert stats.status_code == 200 and len(stats.json()["enrollments_per_day"]) == 7
        assert http.post("/api/admin/rollout/enforce", headers=bearer).json()["done"] is True
    with new_http(example) as plain:
        sign_up(plain)
        r = plain.get("/api/admin/rollout")
        assert r.status_code == 403 and r.json()["detail"]["code"] == "forbidden_role"

    # A user required to enroll, past the deadline (grace 0): only enrollment is open.
    plinto.auth_sync.mfa.configure(security={"grace_period_days": 0})
    try:
        with new_http(example) as http:
            body = sign_up(http)
            plinto.auth_sync.require_enrollment(user_id=body["user"]["id"], required=True)
            session = http.get("/api/auth/session").json()
            assert session["mfa_enrollment"]["restricted"] is True
            blocked = (
                http.get("/api/profile"),
                http.post("/api/payments", json={"amount": 1}),
                http.get("/api/auth/sessions"),
                http.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "Another-Password-77"}),
            )
            for r in blocked:
                assert r.status_code == 403, r.text
                assert r.json()["detail"]["code"] == "mfa_setup_required"
            setup = http.post("/api/auth/mfa/setup", json={"method": "totp"})
            assert setup.status_code == 200, setup.text
            code = pyotp.TOTP(setup.json()["secret"]).now()
            assert http.post("/api/auth/mfa/verify", json={"method": "totp", "code": code}).status_code == 200
            assert http.get("/api/profile").status_code == 200
            assert http.get("/api/auth/session").json()["mfa_enrollment"]["required"] is False
    finally:
        plinto.auth_sync.mfa.configure(security={"grace_period_days": 30})
        plinto.auth_sync.set_rollout(phase="optional")


def test_push_sign_in_over_http_with_a_simulated_phone(example: ModuleType) -> None:
    from plinto.push_phone import (
        open_push_challenge,
        pin_push_server_key,
        push_answer,
        push_phone_key,
        push_poll,
        push_registration,
    )

    with new_http(example) as http:
        body = sign_up(http)
        setup = http.post("/api/auth/mfa/setup", json={"method": "push", "device_name": "Phone"})
        assert setup.status_code == 200, setup.text
        uri = setup.json()["qr_code_url"]
        key = push_phone_key()
        reg = push_registration(uri, key.private_key, "none").message
        device = http.post("/api/push/register", json={"registration": reg})
        assert device.status_code == 200, device.text
        server_key = pin_push_server_key(uri, device.json()["server_key"]).server_key
        device_id = device.json()["device_id"]
        confirm = http.post("/api/auth/mfa/verify", json={"method": "push", "code": device.json()["confirmation_code"]})
        assert confirm.status_code == 200, confirm.text
        assert http.get("/api/auth/mfa/status").json()["push_devices"][0]["name"] == "Phone"

    with new_http(example) as browser:
        signin = sign_in(browser, body["user"]["email"])
        assert signin["mfa_methods"] == ["push", "backup"]
        challenge = browser.post("/api/auth/mfa/push/challenge", json={"session_id": signin["session_id"]})
        assert challenge.status_code == 200, challenge.text
        number = challenge.json()["number"]
        ids = {"session_id": signin["session_id"], "challenge_id": challenge.json()["challenge_id"]}
        assert browser.post("/api/auth/mfa/push/status", json=ids).json()["status"] == "pending"

        pending = browser.post("/api/push/pending", json={"request": push_poll(device_id, key.private_key).message})
        details = pending.json()["challenges"][0]["details"]
        assert open_push_challenge(details, server_key).account == body["user"]["email"]
        answer = push_answer(details, server_key, device_id, "approve", key.private_key, number=number).message
        assert browser.post("/api/push/respond", json={"response": answer}).json()["status"] == "approved"
        # The same signed answer again is refused.
        assert browser.post("/api/push/respond", json={"response": answer}).status_code == 400
        done = browser.post("/api/auth/mfa/push/status", json=ids)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "approved" and done.json()["success"] is True
        assert browser.cookies.get("__Host-session") == done.json()["session"]["token"]
        assert browser.get("/api/auth/mfa/status").status_code == 200
        # The successful sign-in restarted the push count: the next push goes at once.
        again = browser.post("/api/auth/mfa/push/challenge", json={"session_id": sign_in(browser, body["user"]["email"])["session_id"]})
        assert again.status_code == 200, again.text
