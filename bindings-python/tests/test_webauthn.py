"""Security keys and passkeys through the Python package and the FastAPI example, answered by
a software authenticator: the core's ``soft_authenticator`` example binary, which keeps its
key in a file between calls and prints the browser's credential JSON."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator

import pytest
from fastapi.testclient import TestClient

import plinto
from conftest import PASSWORD, ROOT, new_client, unique_email

ORIGIN = "https://example.com"
WEBAUTHN = {"methods": {"webauthn": {"rp_id": "example.com", "rp_name": "Example", "origins": [ORIGIN]}}}
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
TRIPLE = os.environ.get("CARGO_BUILD_TARGET", "x86_64-unknown-linux-gnu")
SOFT = Path(
    os.environ.get(
        "PLINTO_SOFT_AUTHENTICATOR", TARGET_DIR / TRIPLE / "debug" / "examples" / "soft_authenticator"
    )
)


def authenticator(state: Path, op: str, options: Dict[str, Any], origin: str = ORIGIN) -> Dict[str, Any]:
    """What ``navigator.credentials.create()`` (``register``) or ``.get()``
    (``authenticate``) returns, as JSON, for these options at ``origin``."""
    out = subprocess.run(
        [str(SOFT), str(state), op, origin],
        input=json.dumps(options).encode(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    answer: Dict[str, Any] = json.loads(out.stdout)
    return answer


@pytest.fixture
def keyed(tmp_path: Path) -> plinto.SyncAuth:
    assert SOFT.is_file(), f"missing {SOFT}: cargo build -p plinto-mfa-core --example soft_authenticator"
    return new_client(tmp_path, **WEBAUTHN).auth_sync


def test_register_sign_in_step_up_and_manage(keyed: plinto.SyncAuth, tmp_path: Path) -> None:
    auth, state = keyed, tmp_path / "key.cbor"
    email = unique_email("key")
    user = auth.sign_up(email, PASSWORD).user
    options = auth.getPasskeyRegistrationOptions(user_id=user.id, type="registration")
    assert isinstance(options, plinto.PasskeyOptions)
    assert options.type == "registration" and options.expires_in == 300
    # The browser's options stay in their standard camelCase shape.
    assert options.public_key["challenge"] == options.challenge
    assert options.public_key["rp"]["id"] == "example.com"
    assert options.public_key["pubKeyCredParams"] and not options.public_key.get("excludeCredentials")
    # Fields a registration does not have read as None.
    assert options.allow_credentials is None and "allow_credentials" not in options

    credential = authenticator(state, "register", options.public_key)
    stored = auth.verifyPasskeyRegistration(
        challenge_id=options.challenge_id, credential=credential, name="YubiKey"
    )
    assert isinstance(stored, plinto.PasskeyRegistrationResult)
    assert stored.success and stored.method == "webauthn"
    assert stored.backup_codes is not None and len(stored.backup_codes) == 10
    credential_id = stored.credential_id
    # The challenge was used: answering it again fails.
    with pytest.raises(plinto.MfaError) as replay:
        auth.verify_passkey_registration(challenge_id=options.challenge_id, credential=credential)
    assert replay.value.code == "mfa_invalid_code"
    assert auth.get_mfa_status(user.id).methods == ["webauthn", "backup"]

    # A second registration (a step-up: here a backup code) excludes the key already there.
    again = auth.get_passkey_registration_options(
        user.id, confirmation_code=stored.backup_codes[1]
    )
    assert [c["id"] for c in again.public_key["excludeCredentials"]] == [credential_id]

    # Sign-in: the pending session is completed by the key, through the guide's name.
    signin = auth.sign_in(email, PASSWORD)
    assert signin.requires_mfa and "webauthn" in signin.mfa_methods and signin.session_id
    challenge = auth.get_passkey_registration_options(
        session_id=signin.session_id, type="authentication"
    )
    assert challenge.allow_credentials is not None
    assert [c["id"] for c in challenge.allow_credentials] == [credential_id]
    assertion = authenticator(state, "authenticate", challenge.public_key)
    done = auth.verify_passkey_registration(
        challenge_id=challenge.challenge_id, assertion=assertion, type="authentication"
    )
    assert isinstance(done, plinto.VerifyMfaResult)
    assert done.success and done.user is not None and done.user.email == email
    assert done.session is not None
    token = done.session.token
    assert auth.verify_session(token).mfa_verified

    # Step-up on the signed-in session with the explicit names.
    step = auth.get_passkey_authentication_options(token)
    stepped = auth.verify_passkey_authentication(
        challenge_id=step.challenge_id,
        credential=authenticator(state, "authenticate", step.public_key),
        session_id=token,
    )
    assert stepped.success
    assert auth.require_recent_mfa(token, 60).success

    keys = auth.list_passkeys(user.id)
    assert [(k.name, k.type, k.credential_id) for k in keys] == [("YubiKey", "securityKey", credential_id)]
    assert keys[0].last_used is not None
    assert auth.rename_passkey(user.id, credential_id, "Desk key", session_token=token).success
    assert auth.list_passkeys(user.id)[0].name == "Desk key"

    # Removing the last factor follows disable_mfa's rules.
    with pytest.raises(plinto.InvalidInputError) as missing:
        auth.remove_passkey(user.id, credential_id)
    assert missing.value.field == "confirmation_code"
    removed = auth.remove_passkey(
        user.id, credential_id, password=PASSWORD, confirmation_code=stored.backup_codes[0]
    )
    assert isinstance(removed, plinto.RemovePasskeyResult)
    assert removed.mfa_disabled and removed.disabled_at
    assert auth.list_passkeys(user.id) == []
    assert not auth.get_mfa_status(user.id).enabled


def test_wrong_origin_unknown_challenge_and_malformed_answers(
    keyed: plinto.SyncAuth, tmp_path: Path
) -> None:
    auth, state = keyed, tmp_path / "key.cbor"
    user = auth.sign_up(unique_email("bad"), PASSWORD).user
    options = auth.get_passkey_registration_options(user.id)
    foreign = authenticator(state, "register", options.public_key, "https://sub.example.com")
    with pytest.raises(plinto.MfaError) as wrong_origin:
        auth.verify_passkey_registration(challenge_id=options.challenge_id, credential=foreign)
    assert wrong_origin.value.code == "mfa_invalid_code"

    options = auth.get_passkey_registration_options(user.id)
    with pytest.raises(plinto.InvalidInputError) as malformed:
        auth.verify_passkey_registration(
            challenge_id=options.challenge_id, credential={"rawId": [1, 2], "response": 3}
        )
    assert malformed.value.field == "credential"
    with pytest.raises(plinto.MfaError) as unknown:
        auth.verify_passkey_registration(challenge_id="wch_unknown", credential=foreign)
    assert unknown.value.code == "mfa_invalid_code"
    with pytest.raises(plinto.InvalidInputError):
        auth.verify_passkey_registration(challenge_id=options.challenge_id)
    with pytest.raises(plinto.InvalidInputError) as bad_type:
        auth.get_passkey_registration_options(user.id, type="enrolment")
    assert bad_type.value.field == "type"
    with pytest.raises(plinto.InvalidInputError):
        auth.verify_passkey_registration(
            challenge_id=options.challenge_id, credential={"id": b"bytes"}  # type: ignore[dict-item]
        )
    with pytest.raises(plinto.SessionInvalidError):
        auth.get_passkey_authentication_options("not-a-session")


def test_async_names_reach_the_same_engine(tmp_path: Path) -> None:
    assert SOFT.is_file()
    client = new_client(tmp_path, **WEBAUTHN)
    state = tmp_path / "key.cbor"

    async def flow() -> None:
        # Positional options through the generated coroutine.
        await client.auth.mfa.configure({"methods": {"webauthn": {"rp_name": "Example Inc"}}})
        user = (await client.auth.sign_up(unique_email("async"), PASSWORD)).user
        options = await client.auth.get_passkey_registration_options(
            user.id, authenticator_type="passkey"
        )
        assert options.authenticator_type == "passkey"
        assert options.public_key["rp"]["name"] == "Example Inc"
        assert options.public_key["authenticatorSelection"]["userVerification"] == "required"
        credential = authenticator(state, "register", options.public_key)
        stored = await client.auth.verifyPasskeyRegistration(
            challenge_id=options.challenge_id, credential=credential, name="Phone"
        )
        assert isinstance(stored, plinto.PasskeyRegistrationResult)
        keys = await client.auth.list_passkeys(user.id)
        assert [(k.name, k.type) for k in keys] == [("Phone", "passkey")]
        assert stored.backup_codes is not None
        renamed = await client.auth.rename_passkey(
            user.id, stored.credential_id, "Pixel", confirmation_code=stored.backup_codes[0]
        )
        assert renamed.success

    asyncio.run(flow())


# --- The FastAPI example's routes -------------------------------------------------------

# The example runs on the default instance: rpId localhost, any http://localhost port.
PAGE = "http://localhost:8000"


@pytest.fixture(scope="module")
def example(example_dir: Path) -> ModuleType:
    return importlib.import_module("main")


@pytest.fixture
def browser(example: ModuleType) -> Iterator[TestClient]:
    with TestClient(example.app, base_url="https://testserver") as client:
        yield client


def _error(r: Any, status: int, code: str) -> Dict[str, Any]:
    """An error answer in the contract's flat shape (no FastAPI `detail` envelope)."""
    assert r.status_code == status, (r.status_code, r.text)
    body: Dict[str, Any] = r.json()
    assert "detail" not in body and isinstance(body.get("error"), str), body
    assert body.get("code") == code, body
    return body


def test_fastapi_routes_register_then_sign_in_with_the_key(
    example: ModuleType, browser: TestClient, tmp_path: Path
) -> None:
    assert SOFT.is_file()
    state = tmp_path / "key.cbor"
    email = unique_email("fastapi-key")
    assert browser.post("/api/auth/signup", json={"email": email, "password": PASSWORD}).status_code == 201

    # The body is optional.
    r = browser.post("/api/auth/mfa/webauthn/register/options")
    assert r.status_code == 200, r.text
    assert r.json()["challengeId"] and r.json()["publicKey"]["rp"]["id"] == "localhost"
    r = browser.post("/api/auth/mfa/webauthn/register/options", json={})
    assert r.status_code == 200, r.text
    options = r.json()
    # camelCase keys; the browser's options (publicKey) as the core wrote them.
    assert "public_key" not in options and "challenge_id" not in options
    assert options["publicKey"]["rp"]["id"] == "localhost"
    assert options["publicKey"]["pubKeyCredParams"] and options["expiresIn"] == 300
    credential = authenticator(state, "register", options["publicKey"], PAGE)
    r = browser.post(
        "/api/auth/mfa/webauthn/register/verify",
        json={"challengeId": options["challengeId"], "credential": credential, "name": "YubiKey"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["credentialId"] and len(r.json()["backupCodes"]) == 10
    backup_codes = r.json()["backupCodes"]
    # Replay of the same answer: refused with the core's code (401, its status).
    r = browser.post(
        "/api/auth/mfa/webauthn/register/verify",
        json={"challenge_id": options["challengeId"], "credential": credential},
    )
    body = _error(r, 401, "mfa_invalid_code")
    assert body["error"] == "Security key request failed" and body["details"]
    # No credential: 400 invalid_input naming the field.
    r = browser.post("/api/auth/mfa/webauthn/register/verify", json={"challengeId": options["challengeId"]})
    assert _error(r, 400, "invalid_input")["field"] == "credential"

    # The settings page: list, rename, remove.
    listed = browser.get("/api/auth/mfa/webauthn/credentials")
    assert listed.status_code == 200, listed.text
    keys = listed.json()["credentials"]
    assert [(k["name"], k["type"]) for k in keys] == [("YubiKey", "securityKey")]
    assert all("_" not in name for name in keys[0])
    assert keys[0]["credentialId"] and isinstance(keys[0]["signCount"], int)
    key_id = keys[0]["id"]
    renamed = browser.patch(f"/api/auth/mfa/webauthn/credentials/{key_id}", json={"name": "  Desk key  "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["success"] is True
    assert browser.get("/api/auth/mfa/webauthn/credentials").json()["credentials"][0]["name"] == "Desk key"
    empty = browser.patch(f"/api/auth/mfa/webauthn/credentials/{key_id}", json={"name": "  "})
    assert _error(empty, 400, "invalid_input")["field"] == "name"
    nameless = browser.patch(f"/api/auth/mfa/webauthn/credentials/{key_id}", json={})
    assert _error(nameless, 400, "invalid_input")["field"] == "name"
    unknown = browser.patch("/api/auth/mfa/webauthn/credentials/nope", json={"name": "Desk key"})
    _error(unknown, 404, "not_found")
    no_password = browser.request("DELETE", f"/api/auth/mfa/webauthn/credentials/{key_id}", json={})
    assert _error(no_password, 400, "invalid_input")["field"] == "password"
    wrong = browser.request(
        "DELETE", f"/api/auth/mfa/webauthn/credentials/{key_id}",
        json={"password": "wrong password", "confirmationCode": backup_codes[0]},
    )
    _error(wrong, 401, "invalid_credentials")
    # Nobody signed in: 401.
    with TestClient(example.app, base_url="https://testserver") as anonymous:
        _error(anonymous.get("/api/auth/mfa/webauthn/credentials"), 401, "session_invalid")
    browser.post("/api/auth/signout")

    with TestClient(example.app, base_url="https://testserver") as other:
        # Registering needs a signed-in user.
        r = other.post("/api/auth/mfa/webauthn/register/options", json={})
        assert _error(r, 401, "session_invalid")["error"] == "No authentication token"
        r = other.post("/api/auth/mfa/webauthn/authenticate/options", json={})
        assert _error(r, 401, "session_invalid")["error"] == "No session"
        signin = other.post("/api/auth/signin", json={"email": email, "password": PASSWORD}).json()
        assert signin["requiresMfa"] and "webauthn" in signin["mfaMethods"]
        r = other.post(
            "/api/auth/mfa/webauthn/authenticate/options", json={"sessionId": signin["sessionId"]}
        )
        assert r.status_code == 200, r.text
        challenge = r.json()
        assert challenge["challengeId"] and challenge["publicKey"]["allowCredentials"]
        assertion = authenticator(state, "authenticate", challenge["publicKey"], PAGE)
        # An answer made for another site is refused.
        foreign = authenticator(state, "authenticate", challenge["publicKey"], "https://sub.localhost")
        r = other.post(
            "/api/auth/mfa/webauthn/authenticate/verify",
            json={"challengeId": challenge["challengeId"], "credential": foreign, "sessionId": signin["sessionId"]},
        )
        body = _error(r, 400, "mfa_invalid_code")
        assert body["error"] == "Invalid security key response"
        assert isinstance(body["attemptsRemaining"], int)
        assert not other.cookies.get("__Host-session")

        r = other.post(
            "/api/auth/mfa/webauthn/authenticate/options", json={"session_id": signin["sessionId"]}
        )
        challenge = r.json()
        assertion = authenticator(state, "authenticate", challenge["publicKey"], PAGE)
        r = other.post(
            "/api/auth/mfa/webauthn/authenticate/verify",
            json={"challenge_id": challenge["challengeId"], "credential": assertion, "session_id": signin["sessionId"]},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["success"] is True
        assert body["user"]["email"] == email and body["session"]["mfaVerified"] is True
        assert body["user"]["mfaEnabled"] is True
        assert other.cookies.get("__Host-session") == body["session"]["token"]
        assert other.get("/api/auth/mfa/status").json()["methods"] == ["webauthn", "backup"]

        # Removing the only key (the last factor) takes the password and a current code.
        r = other.request(
            "DELETE", f"/api/auth/mfa/webauthn/credentials/{key_id}", json={"password": PASSWORD}
        )
        assert _error(r, 400, "invalid_input")["field"] == "confirmationCode"
        r = other.request(
            "DELETE", f"/api/auth/mfa/webauthn/credentials/{key_id}",
            json={"password": PASSWORD, "confirmationCode": backup_codes[0]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["success"] is True and r.json()["mfaDisabled"] is True
        assert other.get("/api/auth/mfa/webauthn/credentials").json() == {"credentials": []}
        assert other.get("/api/auth/mfa/status").json()["enabled"] is False


# --- Authenticator helpers ------------------------------------------------------------------


def test_authenticator_helpers_match_pyotp() -> None:
    import pyotp

    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret, digits=8, interval=60, digest=hashlib.sha256).provisioning_uri(
        name="ada@example.com", issuer_name="Plinto"
    )
    account = plinto.parse_otpauth_uri(uri)
    assert (account.issuer, account.account_name, account.secret) == ("Plinto", "ada@example.com", secret)
    assert (account.algorithm, account.digits, account.period) == ("SHA256", 8, 60)
    assert secret not in repr(account) and "<redacted>" in repr(account)
    totp = pyotp.TOTP(secret, digits=8, interval=60, digest=hashlib.sha256)
    for at in (0, 59, 60, 1_700_000_000, 2_000_000_123):
        code = plinto.authenticator_code(uri, at)
        assert code.code == totp.at(at)
        assert code.seconds_remaining == 60 - at % 60 and code.period == 60
    with pytest.raises(plinto.InvalidInputError) as bad:
        plinto.parse_otpauth_uri("otpauth://totp/x?secret=not*base32")
    assert bad.value.field
    with pytest.raises(plinto.InvalidInputError):
        plinto.authenticator_code(uri, "soon")  # type: ignore[arg-type]
