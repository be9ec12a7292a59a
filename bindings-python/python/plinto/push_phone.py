"""The phone's side of push approvals with a software key: what a simulated phone or a test
does with the enrollment QR code and the challenges (a real app keeps its key in the platform
keystore and uses the Swift or Kotlin library's signer instead)::

    from plinto.push_phone import push_phone_key, push_registration

    key = push_phone_key()
    reg = push_registration(setup.qr_code_url, key.private_key, "none")
    device = await plinto.auth.mfa.register_push_device(reg.message)

The functions are generated from the core's operation table.
"""

from __future__ import annotations

from ._operations import (
    open_push_challenge,
    parse_push_enrollment,
    pin_push_server_key,
    push_answer,
    push_phone_key,
    push_poll,
    push_registration,
)

__all__ = [
    "open_push_challenge",
    "parse_push_enrollment",
    "pin_push_server_key",
    "push_answer",
    "push_phone_key",
    "push_poll",
    "push_registration",
]
