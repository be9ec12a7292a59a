"""Errors: every code maps to a typed exception, bad input of any Python type is an
``invalid_input`` error naming the argument, and real engine failures raise the right class."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any, Callable, Dict, Type

import pytest

import plinto
from plinto import _native
from plinto.errors import error_class, error_from_json
from conftest import PASSWORD, VECTORS, enroll, unique_email

#: The class of every code, named after the core's error table (tests/vectors/error_codes.json).
EXPECTED_CLASS: Dict[str, Type[plinto.MfaError]] = {
    e["code"]: getattr(plinto, e["name"] + "Error")
    for e in json.loads((VECTORS / "error_codes.json").read_text())["errors"]
}

MB = "x" * (1024 * 1024)


def test_every_error_code_maps() -> None:
    codes = json.loads((VECTORS / "error_codes.json").read_text())["codes"]
    assert list(plinto.ERROR_CODES) == codes
    assert list(_native.error_codes()) == codes
    for code in codes:
        err = error_from_json(json.dumps({"code": code, "message": f"about {code}"}))
        assert isinstance(err, plinto.MfaError)
        assert err.code == code and str(err) == f"about {code}"
        assert type(err) is EXPECTED_CLASS[code] and issubclass(type(err), plinto.MfaError)
        assert error_class(code) is type(err)
        # Picklable with its code (multiprocessing, task queues).
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.code == code
    limited = error_from_json({"code": "mfa_rate_limited", "status": 429, "message": "wait", "retryAfter": 7})
    assert isinstance(limited, plinto.RateLimitedError) and limited.retry_after == 7
    assert limited.status == 429 and pickle.loads(pickle.dumps(limited)).status == 429
    unknown = error_from_json({"code": "from_the_future", "message": "new"})
    assert type(unknown) is plinto.MfaError and unknown.code == "from_the_future"
    assert error_from_json("not json").code == "internal"


def test_field_names_are_snake_case() -> None:
    err = error_from_json(
        {"code": "invalid_input", "message": "Invalid rateLimiting.maxAttempts: bad", "reason": "bad", "field": "rateLimiting.maxAttempts"}
    )
    assert err.field == "rate_limiting.max_attempts"
    assert str(err) == "Invalid rate_limiting.max_attempts: bad"
    assert err.to_dict() == {
        "code": "invalid_input",
        "message": "Invalid rate_limiting.max_attempts: bad",
        "field": "rate_limiting.max_attempts",
    }


class Opaque:
    pass


BAD_TYPES = [
    # (call, field) - wrong Python types, passed through to the engine unchanged.
    (lambda a, uid: a.get_mfa_status(user_id=42), "user_id"),
    (lambda a, uid: a.get_mfa_status(user_id=True), "user_id"),
    (lambda a, uid: a.get_mfa_status(user_id=None), "user_id"),
    (lambda a, uid: a.get_mfa_status(user_id=["usr_x"]), "user_id"),
    (lambda a, uid: a.enable_mfa(user_id=uid, method=["totp"]), "method"),
    (lambda a, uid: a.verify_mfa(user_id=uid, method="totp", code=123456), "code"),
    (lambda a, uid: a.verify_mfa(session_id={"id": 1}, method="totp", code="1"), "session_id"),
    (lambda a, uid: a.regenerate_mfa_backup_codes(user_id=uid, count="5"), "count"),
    (lambda a, uid: a.regenerate_mfa_backup_codes(user_id=uid, count=2.5), "count"),
    (lambda a, uid: a.regenerate_mfa_backup_codes(user_id=uid, count=10**30), "count"),
    (lambda a, uid: a.list_audit_events(uid, limit=-1), "limit"),
    (lambda a, uid: a.sign_up(email=None, password=PASSWORD), "email"),
    (lambda a, uid: a.sign_in(email=7, password=PASSWORD), "email"),
    (lambda a, uid: a.verify_session(123), "token"),
    (lambda a, uid: a.should_require_mfa("sometimes", "user"), "level"),
    # Values JSON cannot carry are refused before the engine, the same way.
    (lambda a, uid: a.get_mfa_status(user_id=b"usr_x"), "user_id"),
    (lambda a, uid: a.get_mfa_status(user_id=Opaque()), "user_id"),
    (lambda a, uid: a.verify_password(uid, password=float("nan")), "password"),
    (lambda a, uid: a.enable_mfa(uid, "totp", label={1, 2}), "label"),
    (lambda a, uid: a.enable_mfa(uid, "totp", label="\ud800"), "label"),
    (lambda a, uid: a.sign_up("a@example.com", bytearray(b"pw")), "password"),
    (lambda a, uid: a.verify_session(object()), "token"),
]

HUGE = [
    (lambda a, uid: a.sign_up(email=MB + "@example.com", password=PASSWORD), "email"),
    (lambda a, uid: a.sign_up(email=unique_email(), password=MB), "password"),
    (lambda a, uid: a.get_mfa_status(user_id=MB), "user_id"),
    (lambda a, uid: a.verify_mfa(user_id=uid, method="totp", code=MB), "code"),
    (lambda a, uid: a.verify_mfa(session_id=MB, method="totp", code="123456"), "session_id"),
    (lambda a, uid: a.verify_session(MB), "token"),
    (lambda a, uid: a.enable_mfa(uid, "totp", label=MB), "label"),
    (lambda a, uid: a.enable_mfa(uid, "totp", device_name=MB), "device_name"),
    (lambda a, uid: a.verify_password(uid, MB), "password"),
    (lambda a, uid: a.sign_up(email=unique_email(), password=PASSWORD, role=MB), "role"),
    (lambda a, uid: a.sign_up(email="nul\0@example.com", password=PASSWORD), "email"),
]


@pytest.mark.parametrize("call,field", BAD_TYPES + HUGE)
def test_bad_input_is_invalid_input_naming_the_argument(
    client: plinto.Plinto, call: Callable[[plinto.SyncAuth, str], Any], field: str
) -> None:
    uid = client.auth_sync.sign_up(unique_email(), PASSWORD).user.id
    with pytest.raises(plinto.InvalidInputError) as err:
        call(client.auth_sync, uid)
    assert err.value.code == "invalid_input" and err.value.status == 400
    assert err.value.field == field, err.value
    assert len(str(err.value)) < 300  # the value itself is never echoed


def test_bad_input_async(client: plinto.Plinto) -> None:
    import asyncio

    async def go() -> None:
        with pytest.raises(plinto.InvalidInputError) as err:
            await client.auth.verify_mfa(session_id=b"x", method="totp", code="1")
        assert err.value.field == "session_id"
        with pytest.raises(plinto.InvalidInputError) as err:
            await client.auth.mfa.configure(methods={"totp": {"digits": 7}})
        assert err.value.field == "methods.totp.digits"

    asyncio.run(go())


def test_sign_in_with_a_huge_email_is_just_wrong_credentials(client: plinto.Plinto) -> None:
    with pytest.raises(plinto.InvalidCredentialsError):
        client.auth_sync.sign_in(MB, PASSWORD)


def test_engine_failures_raise_typed_errors(client: plinto.Plinto, tmp_path: Path) -> None:
    auth = client.auth_sync
    email = unique_email()
    user = auth.sign_up(email, PASSWORD)
    with pytest.raises(plinto.AlreadyExistsError):
        auth.sign_up(email, PASSWORD)
    with pytest.raises(plinto.InvalidCredentialsError) as wrong:
        auth.sign_in(email, "not the password")
    # Every error from the engine carries the HTTP status the core gives its code.
    assert wrong.value.status == 401
    with pytest.raises(plinto.NotFoundError) as missing:
        auth.get_mfa_status("usr_doesnotexist")
    assert missing.value.status == 404
    with pytest.raises(plinto.SessionInvalidError):
        auth.verify_mfa(session_id="no-such-session", method="totp", code="123456")
    with pytest.raises(plinto.StepUpRequiredError) as step:
        auth.require_recent_mfa(user.session.token)
    assert step.value.code == "mfa_step_up_required"
    with pytest.raises(plinto.MfaError) as err:
        auth.regenerate_mfa_backup_codes(user.user.id)
    assert err.value.code == "mfa_not_enabled"
    with pytest.raises(plinto.MfaError) as err:
        auth.enable_mfa(user.user.id, "carrier-pigeon")
    assert err.value.code == "mfa_method_not_supported"

    enrolled = enroll(auth)
    with pytest.raises(plinto.MfaError) as err:
        auth.disable_mfa(enrolled.user_id, "000000", PASSWORD)
    assert err.value.code == "mfa_invalid_code"

    # A database written by a newer version.
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 9999")
    conn.commit()
    conn.close()
    with pytest.raises(plinto.MfaError) as err:
        plinto.Plinto(database=newer, secret_key="00" * 32)
    assert err.value.code == "database_too_new" and err.value.status == 500

    # A database path that cannot be opened.
    with pytest.raises(plinto.MfaError) as err:
        plinto.Plinto(database=tmp_path, secret_key="00" * 32)
    assert err.value.code == "storage"


def test_unknown_operation_is_invalid_input(client: plinto.Plinto) -> None:
    with pytest.raises(plinto.InvalidInputError) as err:
        client._call("launch_rockets", {})
    assert err.value.field == "operation"
    with pytest.raises(_native.NativeError) as raw:
        client._engine.call("get_user", "{not json")
    assert json.loads(raw.value.args[0])["field"] == "arguments"
