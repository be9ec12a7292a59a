"""SMS and email codes through application senders: a plain function, a coroutine, one that
raises and one that never returns. The real native engine, temp SQLite files."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, List, Tuple

import pytest

import plinto
from conftest import PASSWORD, new_client, unique_email

Sent = List[Tuple[str, str, plinto.Record]]


def test_function_sender_delivers_setup_and_sign_in_codes(tmp_path: Path) -> None:
    outbox: Sent = []
    client = new_client(tmp_path, senders={"sms": lambda to, msg, meta: outbox.append((to, msg, meta))})
    auth = client.auth_sync
    email = unique_email("sms")
    user = auth.sign_up(email, PASSWORD).user
    with pytest.raises(plinto.InvalidInputError) as bad:
        auth.enable_mfa(user_id=user.id, method="sms", phone_number="invalid")
    assert "Invalid phone number" in str(bad.value)
    setup = auth.enable_mfa(user_id=user.id, method="sms", phone_number="+1234567890")
    assert setup.code_sent is True and setup.destination == "+1******7890"
    assert "delivery" not in setup
    to, message, meta = outbox[-1]
    assert to == "+1234567890" and meta.purpose == "setup" and meta.code in message
    assert auth.verify_mfa(user_id=user.id, method="sms", code=meta.code).success
    signin = auth.sign_in(email, PASSWORD)
    assert signin.mfa_methods == ["sms", "backup"]
    auth.mfa.request_new_code(session_id=signin.session_id, method="sms")
    with pytest.raises(plinto.RateLimitedError) as limited:
        auth.mfa.request_new_code(session_id=signin.session_id, method="sms")
    assert 0 < limited.value.retry_after <= 60
    auth.mfa.configure(methods={"sms": {"rate_limits": {"per_minute": 5, "per_hour": 10, "per_day": 20}}})
    sent = auth.mfa.requestNewCode(session_id=signin.session_id, method="sms")
    assert sent.expires_in == 600 and sent.attempts_remaining == 5
    done = auth.mfa.challenge(session_id=signin.session_id, method="sms", code=outbox[-1][2].code)
    assert done.success and done.session is not None


def test_coroutine_sender_in_async_code(tmp_path: Path) -> None:
    outbox: Sent = []

    async def send(to: str, message: str, meta: plinto.Record) -> None:
        await asyncio.sleep(0.01)
        outbox.append((to, message, meta))

    client = new_client(tmp_path)
    client.auth.mfa.set_sender("email", send)

    async def flow() -> None:
        user = (await client.auth.sign_up(unique_email("mail"), PASSWORD)).user
        setup = await client.auth.enable_mfa(user_id=user.id, method="email")
        assert setup.destination is not None and setup.destination.endswith("@example.com")
        code = outbox[-1][2].code
        assert (await client.auth.verify_mfa(user_id=user.id, method="email", code=code)).success
        assert await client.auth.get_fallback_methods(user.id, "email") == ["backup"]

    asyncio.run(flow())


def test_sender_that_raises_fails_the_send_and_voids_the_code(tmp_path: Path) -> None:
    tried: List[str] = []

    def broken(to: str, message: str, meta: plinto.Record) -> Any:
        tried.append(meta.code)
        raise RuntimeError("provider down")

    client = new_client(tmp_path, senders={"email": broken})
    auth = client.auth_sync
    user = auth.sign_up(unique_email("raise"), PASSWORD).user
    with pytest.raises(plinto.MfaError) as failed:
        auth.enable_mfa(user_id=user.id, method="email")
    assert failed.value.code == "mfa_delivery_failed"
    assert not auth.verify_mfa(user_id=user.id, method="email", code=tried[0]).success
    events = auth.list_audit_events(user.id)
    assert any(e.action == "delivery_failed" and e.detail == "failed: provider down" for e in events)


def test_sender_that_never_returns_times_out(tmp_path: Path) -> None:
    def hang(to: str, message: str, meta: plinto.Record) -> None:
        time.sleep(3600)

    client = new_client(tmp_path, delivery={"timeout_seconds": 1}, senders={"sms": hang})
    auth = client.auth_sync
    user = auth.sign_up(unique_email("hang"), PASSWORD).user
    started = time.monotonic()
    with pytest.raises(plinto.MfaError) as failed:
        auth.enable_mfa(user_id=user.id, method="sms", phone_number="+15555550123")
    elapsed = time.monotonic() - started
    assert failed.value.code == "mfa_delivery_failed"
    assert 0.9 <= elapsed < 5


def test_senders_are_checked(tmp_path: Path) -> None:
    client = new_client(tmp_path)
    with pytest.raises(plinto.InvalidInputError) as e:
        client.auth_sync.mfa.set_sender("fax", print)
    assert e.value.field == "channel"
    with pytest.raises(plinto.InvalidInputError) as e2:
        client.auth_sync.mfa.set_sender("sms", 42)  # type: ignore[arg-type]
    assert e2.value.field == "sender"


def test_rejected_destinations_are_invalid_input_and_keep_the_provider_healthy(tmp_path: Path) -> None:
    def picky(to: str, message: str, meta: plinto.Record) -> None:
        if to.startswith("+1555555000"):
            raise plinto.DestinationRejected("unreachable number")

    client = new_client(tmp_path, senders={"sms": picky}, delivery={"failure_threshold": 1})
    auth = client.auth_sync
    for i in range(3):
        user = auth.sign_up(unique_email("reject"), PASSWORD).user
        with pytest.raises(plinto.InvalidInputError) as refused:
            auth.enable_mfa(user_id=user.id, method="sms", phone_number=f"+1555555000{i}")
        assert refused.value.field == "phone_number"
    # At this threshold one counted failure would have taken SMS down for everyone.
    fine = auth.sign_up(unique_email("fine"), PASSWORD).user
    assert auth.enable_mfa(user_id=fine.id, method="sms", phone_number="+15555550123").code_sent


def test_notifier_and_password_check(tmp_path: Path) -> None:
    notes: List[plinto.Record] = []
    asked: List[str] = []

    async def notify(n: plinto.Record) -> None:
        await asyncio.sleep(0)
        notes.append(n)

    def breached(password: str) -> bool:
        asked.append(password)
        return password == "Correct-Horse-Battery-9"

    client = new_client(tmp_path, notifier=notify, password_check=breached)
    auth = client.auth_sync
    with pytest.raises(plinto.InvalidInputError) as bad:
        auth.sign_up(unique_email("breach"), "Correct-Horse-Battery-9")
    assert bad.value.field == "password" and "data breach" in bad.value.reason
    with pytest.raises(plinto.InvalidInputError):
        auth.sign_up(unique_email("common"), "password123")
    up = auth.sign_up(unique_email("notes"), "Correct-Horse-Battery-8")
    assert asked == ["Correct-Horse-Battery-9", "Correct-Horse-Battery-8"]
    auth.change_password(
        up.user.id, "Correct-Horse-Battery-8", "Another-Long-Pass-7", session_token=up.session.token
    )
    assert [n.kind for n in notes] == ["password_changed"]
    assert isinstance(notes[0], plinto.Notification) and notes[0].email == up.user.email

    def broken(n: plinto.Record) -> None:
        raise RuntimeError("inbox down")

    auth.mfa.set_notifier(broken)
    auth.change_password(
        up.user.id, "Another-Long-Pass-7", "Third-Long-Pass-6", session_token=up.session.token
    )
    events = auth.list_audit_events(up.user.id)
    assert any(e.detail == "password_changed: inbox down" for e in events)
    with pytest.raises(plinto.InvalidInputError):
        auth.mfa.set_notifier(7)  # type: ignore[arg-type]
