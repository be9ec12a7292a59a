"""Push approvals through the Python package, with a simulated phone on the package's
phone-side functions (a software P-256 key): enrollment, confirmation, a sign-in approved
with the number shown (blocking and async APIs), a report, and a forged answer."""

from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import pytest

import plinto
from conftest import PASSWORD, unique_email
from plinto.push_phone import (
    open_push_challenge,
    parse_push_enrollment,
    pin_push_server_key,
    push_answer,
    push_phone_key,
    push_poll,
    push_registration,
)


class Phone:
    """A phone enrolled for one user."""

    def __init__(self, private_key: str, device_id: str, server_key: str) -> None:
        self.private_key = private_key
        self.device_id = device_id
        self.server_key = server_key

    def details(self, client: plinto.Plinto) -> str:
        poll = push_poll(self.device_id, self.private_key)
        pending = client.auth_sync.mfa.push_pending(poll.message)
        assert len(pending.challenges) == 1
        return pending.challenges[0].details

    def answer(self, details: str, action: str, number: str | None = None) -> str:
        return push_answer(
            details, self.server_key, self.device_id, action, self.private_key, number=number
        ).message


def enroll_phone(client: plinto.Plinto, email: str) -> Tuple[str, Phone]:
    auth = client.auth_sync
    user = auth.sign_up(email, PASSWORD).user
    setup = auth.enable_mfa(user_id=user.id, method="push", device_name="Pixel")
    uri = setup.qr_code_url or ""
    assert parse_push_enrollment(uri).account == email
    key = push_phone_key()
    reg = push_registration(uri, key.private_key, "none")
    device = auth.mfa.register_push_device(reg.message)
    pinned = pin_push_server_key(uri, device.server_key)
    confirmed = auth.verify_mfa(user_id=user.id, method="push", code=device.confirmation_code)
    assert confirmed.success and confirmed.backup_codes
    return user.id, Phone(key.private_key, device.device_id, pinned.server_key)


def test_a_simulated_phone_approves_a_sign_in(client: plinto.Plinto) -> None:
    email = unique_email()
    user_id, phone = enroll_phone(client, email)
    status = client.auth_sync.get_mfa_status(user_id)
    assert status.methods == ["push", "backup"]
    assert status.push_devices[0].poll_only

    async def flow() -> None:
        auth = client.auth
        pending = (await auth.sign_in(email, PASSWORD)).session_id or ""
        challenge = await auth.mfa.push_challenge(pending, app_name="Acme", ip_address="198.51.100.7")
        assert len(challenge.number) == 6 and challenge.devices == 1 and challenge.delivered == 0
        details = phone.details(client)
        shown = open_push_challenge(details, phone.server_key)
        assert (shown.app, shown.ip_address, shown.account) == ("Acme", "198.51.100.7", email)
        assert (await auth.mfa.push_status(challenge.challenge_id, pending)).status == "pending"
        answer = phone.answer(details, "approve", challenge.number)
        assert (await auth.mfa.push_respond(answer)).status == "approved"
        done = await auth.mfa.push_status(challenge.challenge_id, pending)
        assert done.status == "approved" and done.result and done.result.session
        assert (await auth.verify_session(done.result.session.token)).valid
        with pytest.raises(plinto.InvalidInputError):
            await auth.mfa.push_respond(answer)

    asyncio.run(flow())


def test_a_report_suspends_push_and_a_forged_answer_is_refused(client: plinto.Plinto) -> None:
    notified: List[Any] = []
    client.auth_sync.mfa.set_notifier(notified.append)
    email = unique_email()
    user_id, phone = enroll_phone(client, email)
    auth = client.auth_sync
    pending = auth.sign_in(email, PASSWORD).session_id or ""
    challenge = auth.mfa.push_challenge(pending)
    details = phone.details(client)
    stranger = push_phone_key()
    forged = push_answer(
        details, phone.server_key, phone.device_id, "approve", stranger.private_key, number=challenge.number
    ).message
    with pytest.raises(plinto.InvalidCodeError):
        auth.mfa.push_respond(forged)
    assert auth.mfa.push_respond(phone.answer(details, "report")).status == "reported"
    assert auth.mfa.push_status(challenge.challenge_id, pending).status == "reported"
    assert any(n.kind == "push_reported" for n in notified)
    assert auth.get_mfa_status(user_id).push_devices[0].suspended
    with pytest.raises(plinto.PushSuspendedError):
        auth.mfa.push_challenge(pending)
