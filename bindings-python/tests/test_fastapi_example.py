"""The guide's FastAPI example (examples/fastapi) over HTTP, on the package's default instance
(a temp database: see conftest). TOTP codes come from pyotp. The example answers in the HTTP
contract it shares with the Express example (examples/contract/openapi.json): camelCase JSON
keys, and every error one flat object ``{error, code, details?, field?, ...}``."""

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

# Over https the example names its cookie `__Host-session` and sets it Secure, which httpx
# sends back over https only.
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


def assert_camel(value: Any, where: str = "") -> None:
    """No snake_case key anywhere in a JSON answer (WebAuthn's `publicKey` is the browser's
    own JSON and camelCase already)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert "_" not in key, f"snake_case key {where}{key!r}"
            assert_camel(item, f"{where}{key}.")
    elif isinstance(value, list):
        for item in value:
            assert_camel(item, where)


def error_of(r: httpx.Response, status: int, code: str) -> Dict[str, Any]:
    """An error answer: the status, a flat body (no FastAPI `detail` envelope) with a summary
    and this stable code, every key camelCase."""
    assert r.status_code == status, (r.status_code, r.text)
    body: Dict[str, Any] = r.json()
    assert "detail" not in body, body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert body.get("code") == code, body
    assert_camel(body)
    return body


def sign_up(http: TestClient, email: str = "") -> Dict[str, Any]:
    r = http.post("/api/auth/signup", json={"email": email or unique_email("web"), "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert http.cookies.get("__Host-session")
    body: Dict[str, Any] = r.json()
    assert_camel(body)
    assert body["success"] is True and set(body) == {"success", "user", "session"}
    assert body["session"]["token"] == http.cookies.get("__Host-session")
    assert body["user"]["mfaEnabled"] is False and body["user"]["mfaMethods"] == []
    return body


def enroll_over_http(http: TestClient) -> WebUser:
    """Signs up and sets up TOTP through the API, confirming with a pyotp code."""
    body = sign_up(http)
    setup = http.post("/api/auth/mfa/setup", json={"method": "totp", "label": "MyApp"})
    assert setup.status_code == 200, setup.text
    data = setup.json()
    assert_camel(data)
    assert data["success"] and data["qrCodeUrl"].startswith("otpauth://totp/MyApp:")
    totp = pyotp.TOTP(data["secret"])
    t0 = time.time()
    confirm = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": totp.at(t0)})
    assert confirm.status_code == 200, confirm.text
    assert_camel(confirm.json())
    codes = confirm.json()["backupCodes"]
    assert len(codes) == 10
    assert confirm.json()["user"]["mfaEnabled"] is True
    return WebUser(body["user"]["email"], body["user"]["id"], totp, codes, t0)


def sign_in(http: TestClient, email: str) -> Dict[str, Any]:
    r = http.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body: Dict[str, Any] = r.json()
    assert_camel(body)
    return body


def test_totp_setup_sign_in_verify_then_cookie_works(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
        status = http.get("/api/auth/mfa/status")
        assert status.status_code == 200
        devices = status.json()["totpDevices"]
        assert len(devices) == 1 and set(devices[0]) == {"id", "name", "createdAt", "lastUsed"}
        assert status.json() == {
            "enabled": True,
            "methods": ["totp", "backup"],
            "backupCodesRemaining": 10,
            "lastUsed": status.json()["lastUsed"],
            "totpDevices": devices,
            "channels": [],
            "pushDevices": [],
            "codesSuspended": False,
        }

    with new_http(example) as browser:
        error_of(browser.get("/api/auth/mfa/status"), 401, "session_invalid")
        signin = sign_in(browser, user.email)
        assert signin["requiresMfa"] is True and signin["sessionId"]
        assert signin["mfaMethods"] == ["totp", "backup"]
        assert isinstance(signin["expiresIn"], int) and signin["expiresIn"] > 0
        assert signin.get("session") is None and signin.get("user") is None
        assert not browser.cookies.get("__Host-session")

        # The pending session authenticates nothing: not the status, no route at any level.
        for method, path in [
            ("GET", "/api/auth/mfa/status"),
            ("GET", "/api/profile"),
            ("GET", "/api/reports"),
            ("POST", "/api/payments"),
            ("POST", "/api/admin/users"),
            ("GET", "/api/auth/sessions"),
        ]:
            pending = browser.request(
                method,
                path,
                headers={"Authorization": f"Bearer {signin['sessionId']}"},
                json={"amount": 1, "email": "x@example.com", "password": PASSWORD},
            )
            error_of(pending, 401, "session_invalid")

        verify = browser.post(
            "/api/auth/mfa/verify",
            json={
                "session_id": signin["sessionId"],
                "method": "totp",
                "code": user.totp.at(user.t0 + 30),
            },
        )
        assert verify.status_code == 200, verify.text
        body = verify.json()
        assert_camel(body)
        assert body["success"] and body["user"]["id"] == user.user_id
        assert body["session"]["mfaVerified"] is True
        assert browser.cookies.get("__Host-session") == body["session"]["token"]
        assert "httponly" in verify.headers["set-cookie"].lower()

        status = browser.get("/api/auth/mfa/status")
        assert status.status_code == 200 and status.json()["enabled"] is True
        # Bearer tokens work as well as the cookie.
        bearer = httpx.Headers({"Authorization": f"Bearer {body['session']['token']}"})
        with new_http(example) as other:
            assert other.get("/api/auth/mfa/status", headers=bearer).status_code == 200

        out = browser.post("/api/auth/signout")
        assert out.status_code == 200 and out.json() == {"success": True}
        with new_http(example) as other:
            error_of(other.get("/api/auth/mfa/status", headers=bearer), 401, "session_invalid")


def test_backup_code_works_once(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
    code = user.backup_codes[0]
    with new_http(example) as first:
        signin = sign_in(first, user.email)
        # Request bodies may name their fields in camelCase, as the Express example reads them.
        ok = first.post(
            "/api/auth/mfa/verify",
            json={"sessionId": signin["sessionId"], "method": "backup", "code": code},
        )
        assert ok.status_code == 200, ok.text
        assert first.get("/api/auth/mfa/status").json()["backupCodesRemaining"] == 9
    with new_http(example) as second:
        signin = sign_in(second, user.email)
        again = second.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["sessionId"], "method": "backup", "code": code},
        )
        body = error_of(again, 401, "mfa_backup_code_already_used")
        assert body["error"] == "Invalid MFA code"
        assert body["attemptsRemaining"] == 4
        assert "totp" in body["fallbackMethods"]
        assert not second.cookies.get("__Host-session")


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
                json={"session_id": signin["sessionId"], "method": "totp", "code": wrong},
            )
            statuses.append(r.status_code)
            if r.status_code == 401:
                body = error_of(r, 401, "mfa_invalid_code")
                assert body["error"] == "Invalid MFA code"
                assert isinstance(body["attemptsRemaining"], int)
            if r.status_code == 429:
                body = error_of(r, 429, "mfa_rate_limited")
                assert body["error"] == "Too many attempts" and body["attemptsRemaining"] == 0
                assert int(r.headers["retry-after"]) > 0
                assert body["retryAfter"] > 0
        assert statuses[:4] == [401, 401, 401, 401]
        assert 429 in statuses and statuses[-1] == 429
        # Locked out: the right code is refused too.
        r = http.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["sessionId"], "method": "totp", "code": right},
        )
        assert error_of(r, 429, "mfa_rate_limited")["retryAfter"] > 0
        assert int(r.headers["retry-after"]) > 0


def test_disable_and_regenerate(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
        # The password and the code travel in the body, never in the query string (which
        # lands in access logs): a query-string password is not read.
        r = http.post(
            "/api/auth/mfa/disable",
            params={"password": PASSWORD, "confirmation_code": user.backup_codes[0]},
        )
        assert error_of(r, 400, "invalid_input")["error"] == "Invalid request"
        r = http.post(
            "/api/auth/mfa/disable",
            params={"password": PASSWORD},
            json={"confirmation_code": user.backup_codes[0]},
        )
        assert error_of(r, 400, "invalid_input")["field"] == "password"
        r = http.post("/api/auth/mfa/disable", json={"confirmation_code": user.backup_codes[0]})
        body = error_of(r, 400, "invalid_input")
        assert body["error"] == "Invalid request" and body["field"] == "password" and body["details"]
        r = http.post("/api/auth/mfa/disable", json={"password": PASSWORD, "confirmationCode": 123456})
        assert error_of(r, 400, "invalid_input")["field"] == "confirmationCode"
        r = http.post(
            "/api/auth/mfa/disable",
            json={"password": "wrong password", "confirmation_code": user.backup_codes[0]},
        )
        body = error_of(r, 401, "invalid_credentials")
        assert body["error"] == "Failed to disable MFA" and body["details"]

        bad = http.post("/api/auth/mfa/backup-codes/regenerate", json={"password": "nope"})
        assert error_of(bad, 401, "invalid_credentials")["error"] == "Failed to regenerate backup codes"
        fresh = http.post("/api/auth/mfa/backup-codes/regenerate", json={"password": PASSWORD})
        assert fresh.status_code == 200, fresh.text
        assert_camel(fresh.json())
        codes = fresh.json()["codes"]
        assert len(codes) == 10 and fresh.json()["generatedAt"]
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
        error_of(anonymous.post("/api/payments", json=payment), 401, "session_invalid")
        error_of(anonymous.post("/api/payments"), 401, "session_invalid")
        error_of(anonymous.get("/api/profile"), 401, "session_invalid")
        error_of(anonymous.get("/api/reports"), 401, "session_invalid")

    # A user without MFA: the optional route lets them through, required does not, and the
    # admin route is for administrators, whatever the MFA level says.
    with new_http(example) as plain:
        me = sign_up(plain)["user"]
        profile = plain.get("/api/profile")
        assert profile.status_code == 200 and profile.json() == {"success": True, "user": me}
        assert plain.get("/api/reports").json() == {"success": True}
        r = plain.post("/api/payments", json=payment)
        assert r.status_code == 403, r.text
        assert "detail" not in r.json() and r.json()["requiresMfaSetup"] is True
        assert r.json()["error"] == "MFA required but not configured"
        assert r.json()["redirectTo"] == "/settings/security"
        made = unique_email("made")
        created = plain.post(
            "/api/admin/users", json={"email": made, "password": PASSWORD, "role": "super_admin"}
        )
        assert error_of(created, 403, "forbidden_role")["error"] == "Administrator role required"
        with pytest.raises(plinto.InvalidCredentialsError):
            plinto.auth_sync.sign_in(made, PASSWORD)

    # MFA set up in this session: the session that confirmed the factor has been through
    # the password and the factor, so it passes; the payment's step-up is recent. The body
    # is optional (the Express route takes none).
    with new_http(example) as http:
        user = enroll_over_http(http)
        r = http.post("/api/payments", json=payment)
        assert r.status_code == 200 and r.json() == {"success": True, "paidBy": user.user_id}
        r = http.post("/api/payments")
        assert r.status_code == 200 and r.json() == {"success": True, "paidBy": user.user_id}
        # A mistyped field of the optional body is still refused, naming it.
        r = http.post("/api/payments", json={"amount": "lots"})
        assert error_of(r, 400, "invalid_input")["field"] == "amount"
        # A step-up of this session over HTTP.
        step_up = http.post(
            "/api/auth/mfa/step-up", json={"method": "backup", "code": user.backup_codes[1]}
        )
        assert step_up.status_code == 200, step_up.text
        assert step_up.json() == {"success": True, "method": "backup"}
        # The same backup code again: refused, with the attempts left.
        again = http.post(
            "/api/auth/mfa/step-up", json={"method": "backup", "code": user.backup_codes[1]}
        )
        assert isinstance(error_of(again, 401, "mfa_backup_code_already_used")["attemptsRemaining"], int)

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
        assert made.status_code == 201, made.text
        assert_camel(made.json())
        assert set(made.json()) == {"success", "createdBy", "user"}
        assert made.json()["success"] is True and made.json()["createdBy"] == admin.user.id
        assert made.json()["user"]["role"] == "user"
        # The new user's email is taken now.
        taken = http.post(
            "/api/admin/users",
            json={"email": made.json()["user"]["email"], "password": PASSWORD},
            headers=bearer,
        )
        assert error_of(taken, 409, "already_exists")["error"] == "Failed to create the user"

    # Signed in through the MFA challenge: allowed directly.
    with new_http(example) as http:
        signin = sign_in(http, user.email)
        done = http.post(
            "/api/auth/mfa/verify",
            json={"session_id": signin["sessionId"], "method": "totp", "code": user.totp.at(user.t0 + 30)},
        )
        assert done.status_code == 200, done.text
        assert http.post("/api/payments", json=payment).status_code == 200

    # Admins need MFA on admin-only routes.
    admin_email = unique_email("admin")
    plinto.auth_sync.sign_up(admin_email, PASSWORD, role="admin")
    with new_http(example) as admin_http:
        signin = sign_in(admin_http, admin_email)
        # Signed in at once: the core's whole result, and the cookie.
        assert signin["success"] is True and signin["requiresMfa"] is False
        assert signin["user"]["email"] == admin_email and signin["user"]["role"] == "admin"
        assert signin["session"]["token"] == admin_http.cookies.get("__Host-session")
        assert signin["session"]["mfaVerified"] is False
        assert "mfaEnrollment" in signin
        r = admin_http.post("/api/admin/users", json={"email": unique_email("x"), "password": PASSWORD})
        assert r.status_code == 403 and "detail" not in r.json()
        assert r.json()["requiresMfaSetup"] is True


def test_payment_step_up_is_recent_or_refused(example: ModuleType) -> None:
    # The payment's step-up expires: 403 mfa_step_up_required with the methods and maxAge.
    with new_http(example) as http:
        enroll_over_http(http)
        assert http.post("/api/payments").status_code == 200
        plinto.auth_sync.mfa.configure(security={"step_up_max_age_seconds": 1})
        try:
            time.sleep(2.1)
            r = http.post("/api/payments")
            body = error_of(r, 403, "mfa_step_up_required")
            assert body["methods"] == ["totp", "backup"] and body["maxAge"] == 1
        finally:
            plinto.auth_sync.mfa.configure(security={"step_up_max_age_seconds": 600})


def test_sign_up_and_sign_in_errors(example: ModuleType) -> None:
    with new_http(example) as http:
        email = unique_email("dup")
        sign_up(http, email)
        dup = http.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
        body = error_of(dup, 409, "already_exists")
        assert body["error"] == "Sign-up failed" and body["details"]
        short = http.post("/api/auth/signup", json={"email": unique_email(), "password": "short"})
        body = error_of(short, 400, "invalid_input")
        assert body["error"] == "Sign-up failed" and body["field"] == "password" and body["details"]
        bad_email = http.post("/api/auth/signup", json={"email": "not-an-email", "password": PASSWORD})
        assert error_of(bad_email, 400, "invalid_input")["field"] == "email"
        # Request validation: a missing or mistyped field is 400 invalid_input naming it.
        missing = http.post("/api/auth/signup", json={"email": unique_email()})
        body = error_of(missing, 400, "invalid_input")
        assert body["error"] == "Invalid request" and body["field"] == "password" and body["details"]
        typed = http.post("/api/auth/signin", json={"email": email, "password": 12345678})
        assert error_of(typed, 400, "invalid_input")["field"] == "password"
        not_json = http.post(
            "/api/auth/signin", content="{not json", headers={"content-type": "application/json"}
        )
        body = error_of(not_json, 400, "invalid_input")
        assert body["error"] == "Invalid request" and body["details"] == "The body is not valid JSON"
        wrong = http.post("/api/auth/signin", json={"email": email, "password": "wrong password"})
        body = error_of(wrong, 401, "invalid_credentials")
        assert body["error"] == "Sign-in failed" and body["details"]
        # Confirming a setup that was never started.
        r = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": "123456"})
        body = error_of(r, 400, "mfa_method_not_supported")
        assert body["error"] == "MFA verification failed" and "not set up" in body["details"]
        # No code: the field is named.
        r = http.post("/api/auth/mfa/verify", json={"method": "totp"})
        assert error_of(r, 400, "invalid_input")["field"] == "code"
        # Unknown routes, and a known route with the wrong method, are 404 not_found.
        for method, path in [("GET", "/api/auth/nothing-here"), ("GET", "/api/auth/signup"), ("PUT", "/api/profile")]:
            body = error_of(http.request(method, path), 404, "not_found")
            assert body == {"error": "Not found", "code": "not_found"}
    with new_http(example) as anonymous:
        r = anonymous.post("/api/auth/mfa/verify", json={"method": "totp", "code": "123456"})
        assert error_of(r, 401, "session_invalid")["error"] == "No authentication token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_served_by_uvicorn(example_dir: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, PLINTO_DATABASE=str(tmp_path / "served.db"))
    env.pop("PLINTO_SECRET_KEY", None)  # the development key file path
    for name in ("NODE_ENV", "PLINTO_ENV"):  # a development server
        env.pop(name, None)
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
        with httpx.Client(base_url=url, timeout=10) as browser:
            r = browser.post(
                "/api/auth/signup", json={"email": unique_email("served"), "password": PASSWORD}
            )
            assert r.status_code == 201, r.text
            token = r.json()["session"]["token"]
            # Over plain http: the `session` cookie, not Secure, so the client sends it back.
            cookie = r.headers["set-cookie"]
            assert cookie.startswith(f"session={token};") and "secure" not in cookie.lower(), cookie
            assert browser.cookies.get("session") == token
            mine = browser.get("/api/auth/session")
            assert mine.status_code == 200 and mine.json()["user"]["id"] == r.json()["user"]["id"]
        status = httpx.get(
            f"{url}/api/auth/mfa/status", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert status.status_code == 200 and status.json()["enabled"] is False
        anonymous = httpx.get(f"{url}/api/auth/mfa/status", timeout=10)
        assert anonymous.status_code == 401
        assert anonymous.json() == {"error": "No authentication token", "code": "session_invalid"}
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
    body = error_of(bad, 400, "invalid_input")
    assert body["error"] == "Failed to setup MFA" and body["field"] == "phoneNumber"
    ok = http.post("/api/auth/mfa/setup", json={"method": "sms", "phoneNumber": "+15555550142"}, headers=bearer)
    assert ok.status_code == 200, ok.text
    assert_camel(ok.json())
    assert ok.json()["destination"] == "+1******0142" and ok.json()["expiresIn"] > 0
    # The development console sender printed the message; take the code from it.
    printed = capfd.readouterr().out
    code = printed.rsplit("[plinto] code for +15555550142: ", 1)[1][:6]
    confirm = http.post("/api/auth/mfa/verify", json={"method": "sms", "code": code}, headers=bearer)
    assert confirm.status_code == 200, confirm.text
    channels = http.get("/api/auth/mfa/status", headers=bearer).json()["channels"]
    assert [(c["method"], c["destination"], c["confirmed"]) for c in channels] == [("sms", "+1******0142", True)]
    # The destination is confirmed: nothing is being set up any more.
    setup_over = http.post("/api/auth/mfa/resend", json={"method": "sms"}, headers=bearer)
    body = error_of(setup_over, 400, "mfa_method_not_supported")
    assert body["error"] == "Failed to send a new code" and "no sms destination" in body["details"]
    # Step-up codes for this session: the second at once meets the per-minute limit (429).
    first = http.post("/api/auth/mfa/resend", json={"method": "sms", "step_up": True}, headers=bearer)
    assert first.status_code == 200, first.text
    assert_camel(first.json())
    assert first.json()["success"] is True and first.json()["destination"] == "+1******0142"
    again = http.post("/api/auth/mfa/resend", json={"method": "sms", "stepUp": True}, headers=bearer)
    body = error_of(again, 429, "mfa_rate_limited")
    assert body["retryAfter"] > 0 and int(again.headers["retry-after"]) == body["retryAfter"]
    anonymous = new_http(example).post("/api/auth/mfa/resend", json={"method": "sms"})
    assert error_of(anonymous, 401, "session_invalid")["error"] == "No authentication token"


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
        assert evil.status_code == 403
        assert evil.json() == {"error": "Cross-site request refused", "code": "forbidden_origin"}
        fetched = http.post("/api/auth/signout", headers={"Sec-Fetch-Site": "cross-site"})
        error_of(fetched, 403, "forbidden_origin")
        # Without the cookie too (a SameSite=Lax cookie is not sent cross-site, and the
        # sign-out would still clear it); nor may another site sign the user in.
        with new_http(example) as stranger:
            r = stranger.post("/api/auth/signout", headers={"Origin": "https://evil.example"})
            error_of(r, 403, "forbidden_origin")
            assert "set-cookie" not in r.headers
            r = stranger.post(
                "/api/auth/signin",
                json={"email": "x@example.com", "password": PASSWORD},
                headers={"Sec-Fetch-Site": "cross-site"},
            )
            error_of(r, 403, "forbidden_origin")
            # Over https a plain `session` cookie (a sibling subdomain could plant one) is
            # not read.
            token = http.cookies.get("__Host-session") or ""
            planted = stranger.get("/api/auth/sessions", headers={"Cookie": f"session={token}"})
            error_of(planted, 401, "session_invalid")
        assert http.get("/api/auth/sessions").status_code == 200
        # This site's own page may.
        own = http.post("/api/auth/signout", headers={"Origin": BASE})
        assert own.status_code == 200
        cleared = own.headers["set-cookie"]
        assert cleared.startswith("__Host-session=") and "secure" in cleared.lower(), cleared
        http.cookies.clear()
        error_of(http.get("/api/auth/sessions"), 401, "session_invalid")


def test_cookie_over_plain_http_and_in_production(
    example: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain-http development server on this machine: the `session` cookie, not Secure (a
    # client would never send a Secure cookie back over http), and it is read.
    monkeypatch.delenv("NODE_ENV", raising=False)
    monkeypatch.delenv("PLINTO_ENV", raising=False)
    with TestClient(example.app, base_url="http://localhost") as http:
        r = http.post("/api/auth/signup", json={"email": unique_email("plain"), "password": PASSWORD})
        assert r.status_code == 201, r.text
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"session={r.json()['session']['token']};"), cookie
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower(), cookie
        assert http.cookies.get("session") == r.json()["session"]["token"]
        assert http.get("/api/auth/session").json()["user"]["id"] == r.json()["user"]["id"]
        # Over http the `__Host-` cookie is not the session's.
        with TestClient(example.app, base_url="http://localhost") as stranger:
            planted = stranger.get(
                "/api/auth/session", headers={"Cookie": f"__Host-session={r.json()['session']['token']}"}
            )
            error_of(planted, 401, "session_invalid")
        out = http.post("/api/auth/signout")
        assert out.status_code == 200 and "secure" not in out.headers["set-cookie"].lower()
        error_of(http.get("/api/auth/session"), 401, "session_invalid")
    # Plain http under any other name (a TLS proxy in front whose headers are not trusted), or
    # in production even on this machine: Secure.
    for base, env in (("http://testserver", None), ("http://localhost", "NODE_ENV"), ("http://localhost", "PLINTO_ENV")):
        if env:
            monkeypatch.setenv(env, "production")
        with TestClient(example.app, base_url=base) as http:
            r = http.post("/api/auth/signup", json={"email": unique_email("prod"), "password": PASSWORD})
            assert r.status_code == 201, r.text
            cookie = r.headers["set-cookie"]
            assert cookie.startswith("session=") and "secure" in cookie.lower(), (base, env, cookie)
            out = http.post(
                "/api/auth/signout", headers={"Authorization": f"Bearer {r.json()['session']['token']}"}
            )
            assert "secure" in out.headers["set-cookie"].lower()
        if env:
            monkeypatch.delenv(env)


def test_sessions_and_password_change_over_http(example: ModuleType) -> None:
    email = unique_email("sessions")
    with new_http(example) as laptop, new_http(example) as phone:
        sign_up(laptop, email)
        phone_signin = phone.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
        assert phone_signin.status_code == 200
        listed = laptop.get("/api/auth/sessions").json()["sessions"]
        assert_camel(listed)
        assert [s["current"] for s in listed] == [False, True]
        assert all(s["id"].startswith("ses_") for s in listed)
        assert all(s["expiresAt"] and s["lastSeenAt"] for s in listed)
        unknown = laptop.delete("/api/auth/sessions/ses_nope")
        assert error_of(unknown, 404, "not_found")["error"] == "Failed to end the session"
        weak = laptop.post(
            "/api/auth/password", json={"current_password": PASSWORD, "new_password": "password1"}
        )
        body = error_of(weak, 400, "invalid_input")
        assert body["error"] == "Failed to change the password" and body["field"] == "newPassword"
        missing = laptop.post("/api/auth/password", json={"currentPassword": PASSWORD})
        assert error_of(missing, 400, "invalid_input")["field"] == "newPassword"
        wrong = laptop.post(
            "/api/auth/password",
            json={"currentPassword": "not my password", "newPassword": "Second-Long-Password-3"},
        )
        error_of(wrong, 401, "invalid_credentials")
        changed = laptop.post(
            "/api/auth/password",
            json={"currentPassword": PASSWORD, "newPassword": "Second-Long-Password-3"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["revoked"] == 1
        error_of(phone.get("/api/auth/sessions"), 401, "session_invalid")
        assert laptop.get("/api/auth/sessions").status_code == 200


def test_rollout_admin_routes_and_a_session_held_to_enrollment(example: ModuleType) -> None:
    # Administrators: role, MFA on the session, recent MFA.
    admin_email = unique_email("rollout-admin")
    admin = plinto.auth_sync.sign_up(admin_email, PASSWORD, role="admin")
    with new_http(example) as http:
        bearer = {"Authorization": f"Bearer {admin.session.token}"}
        no_mfa = http.get("/api/admin/rollout", headers=bearer)
        assert no_mfa.status_code == 403 and "detail" not in no_mfa.json()
        assert no_mfa.json()["requiresMfaSetup"] is True
        setup = http.post("/api/auth/mfa/setup", json={"method": "totp"}, headers=bearer)
        code = pyotp.TOTP(setup.json()["secret"]).now()
        done = http.post("/api/auth/mfa/verify", json={"method": "totp", "code": code}, headers=bearer)
        assert done.status_code == 200, done.text
        status = http.get("/api/admin/rollout", headers=bearer)
        assert status.status_code == 200, status.text
        assert_camel(status.json())
        changed = http.post(
            "/api/admin/rollout",
            json={"phase": "ENCOURAGED", "promptLocations": ["dashboard"]},
            headers=bearer,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["phase"] == "encouraged"
        assert changed.json()["promptLocations"] == ["dashboard"]
        bad = http.post("/api/admin/rollout", json={"phase": "soon"}, headers=bearer)
        body = error_of(bad, 400, "invalid_input")
        assert body["error"] == "Failed to change the rollout" and body["field"] == "phase"
        typed = http.post("/api/admin/rollout", json={"percentage": "half"}, headers=bearer)
        assert error_of(typed, 400, "invalid_input")["field"] == "percentage"
        stats = http.get("/api/admin/rollout/stats?days=7", headers=bearer)
        assert stats.status_code == 200 and len(stats.json()["enrollmentsPerDay"]) == 7
        assert_camel(stats.json())
        assert error_of(http.get("/api/admin/rollout/stats?days=soon", headers=bearer), 400, "invalid_input")["field"] == "days"
        assert http.post("/api/admin/rollout/enforce", headers=bearer).json()["done"] is True
    with new_http(example) as plain:
        sign_up(plain)
        r = plain.get("/api/admin/rollout")
        assert error_of(r, 403, "forbidden_role")["error"] == "Administrator role required"

    # A user required to enroll, past the deadline (grace 0): only enrollment is open.
    plinto.auth_sync.mfa.configure(security={"grace_period_days": 0})
    try:
        with new_http(example) as http:
            body = sign_up(http)
            plinto.auth_sync.require_enrollment(user_id=body["user"]["id"], required=True)
            session = http.get("/api/auth/session").json()
            assert_camel(session)
            assert session["mfaEnrollment"]["restricted"] is True and session["mfaVerified"] is False
            assert session["user"]["id"] == body["user"]["id"]
            blocked = (
                http.get("/api/profile"),
                http.get("/api/reports"),
                http.post("/api/payments", json={"amount": 1}),
                http.get("/api/auth/sessions"),
                http.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "Another-Password-77"}),
            )
            for r in blocked:
                refused = error_of(r, 403, "mfa_setup_required")
                assert refused["requiresMfaSetup"] is True and refused["redirectTo"] == "/settings/security"
            setup = http.post("/api/auth/mfa/setup", json={"method": "totp"})
            assert setup.status_code == 200, setup.text
            code = pyotp.TOTP(setup.json()["secret"]).now()
            assert http.post("/api/auth/mfa/verify", json={"method": "totp", "code": code}).status_code == 200
            assert http.get("/api/profile").status_code == 200
            assert http.get("/api/auth/session").json()["mfaEnrollment"]["required"] is False
    finally:
        plinto.auth_sync.mfa.configure(security={"grace_period_days": 30})
        plinto.auth_sync.set_rollout(phase="optional")


def test_removing_a_factor_over_http(example: ModuleType) -> None:
    with new_http(example) as http:
        user = enroll_over_http(http)
        device = http.get("/api/auth/mfa/status").json()["totpDevices"][0]["id"]
        unknown = http.request("DELETE", "/api/auth/mfa/factors/nope", json={"password": PASSWORD})
        assert error_of(unknown, 404, "not_found")["error"] == "Failed to remove the factor"
        wrong = http.request(
            "DELETE", f"/api/auth/mfa/factors/{device}",
            json={"password": "wrong password", "confirmationCode": user.backup_codes[0]},
        )
        error_of(wrong, 401, "invalid_credentials")
        typed = http.request("DELETE", f"/api/auth/mfa/factors/{device}", json={"password": 1})
        assert error_of(typed, 400, "invalid_input")["field"] == "password"
        # The last factor: MFA goes off with it, so a current code is needed as well.
        no_code = http.request("DELETE", f"/api/auth/mfa/factors/{device}", json={"password": PASSWORD})
        body = error_of(no_code, 400, "invalid_input")
        assert body["field"] == "confirmationCode" and "last MFA factor" in body["details"]
        assert http.get("/api/auth/mfa/status").json()["enabled"] is True
        removed = http.request(
            "DELETE", f"/api/auth/mfa/factors/{device}",
            json={"password": PASSWORD, "confirmationCode": user.backup_codes[0]},
        )
        assert removed.status_code == 200, removed.text
        assert_camel(removed.json())
        assert removed.json()["success"] is True and removed.json()["mfaDisabled"] is True
        status = http.get("/api/auth/mfa/status").json()
        assert status["enabled"] is False and status["totpDevices"] == []
        # The signed-in session stays.
        assert http.get("/api/auth/sessions").status_code == 200


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
        setup = http.post("/api/auth/mfa/setup", json={"method": "push", "deviceName": "Phone"})
        assert setup.status_code == 200, setup.text
        assert_camel(setup.json())
        uri = setup.json()["qrCodeUrl"]
        assert setup.json()["challengeId"] and setup.json()["expiresIn"] > 0
        key = push_phone_key()
        reg = push_registration(uri, key.private_key, "none").message
        device = http.post("/api/push/register", json={"registration": reg})
        assert device.status_code == 200, device.text
        assert_camel(device.json())
        server_key = pin_push_server_key(uri, device.json()["serverKey"]).server_key
        device_id = device.json()["deviceId"]
        bad = http.post("/api/push/register", json={"registration": "a.b.c"})
        refused = error_of(bad, 400, "invalid_input")
        assert refused["error"] == "Registration failed" and refused["field"] == "registration"
        confirm = http.post("/api/auth/mfa/verify", json={"method": "push", "code": device.json()["confirmationCode"]})
        assert confirm.status_code == 200, confirm.text
        phones = http.get("/api/auth/mfa/status").json()["pushDevices"]
        assert phones[0]["name"] == "Phone" and phones[0]["pollOnly"] is True

    with new_http(example) as browser:
        signin = sign_in(browser, body["user"]["email"])
        assert signin["mfaMethods"] == ["push", "backup"]
        nobody = browser.post("/api/auth/mfa/push/challenge")
        assert error_of(nobody, 401, "session_invalid")["error"] == "No session"
        challenge = browser.post("/api/auth/mfa/push/challenge", json={"sessionId": signin["sessionId"]})
        assert challenge.status_code == 200, challenge.text
        assert_camel(challenge.json())
        number = challenge.json()["number"]
        ids = {"session_id": signin["sessionId"], "challenge_id": challenge.json()["challengeId"]}
        waiting = browser.post("/api/auth/mfa/push/status", json=ids)
        assert_camel(waiting.json())
        assert waiting.json()["status"] == "pending" and waiting.json()["success"] is False
        assert waiting.json()["expiresIn"] > 0
        error_of(browser.post("/api/auth/mfa/push/status", json={"sessionId": signin["sessionId"]}), 400, "invalid_input")

        pending = browser.post("/api/push/pending", json={"request": push_poll(device_id, key.private_key).message})
        assert_camel(pending.json())
        details = pending.json()["challenges"][0]["details"]
        assert open_push_challenge(details, server_key).account == body["user"]["email"]
        answer = push_answer(details, server_key, device_id, "approve", key.private_key, number=number).message
        assert browser.post("/api/push/respond", json={"response": answer}).json()["status"] == "approved"
        # The same signed answer again is refused.
        replay = browser.post("/api/push/respond", json={"response": answer})
        assert error_of(replay, 400, "invalid_input")["error"] == "Answer failed"
        done = browser.post("/api/auth/mfa/push/status", json=ids)
        assert done.status_code == 200, done.text
        assert_camel(done.json())
        assert done.json()["status"] == "approved" and done.json()["success"] is True
        assert done.json()["session"]["mfaVerified"] is True
        assert browser.cookies.get("__Host-session") == done.json()["session"]["token"]
        assert browser.get("/api/auth/mfa/status").status_code == 200
        # The successful sign-in restarted the push count: the next push goes at once.
        again = browser.post("/api/auth/mfa/push/challenge", json={"session_id": sign_in(browser, body["user"]["email"])["sessionId"]})
        assert again.status_code == 200, again.text
