"""The authenticator side of TOTP: read an ``otpauth://`` URI (from a QR code or a setup
page) and compute its codes, with the same native code the engine checks them with.

Useful for tests, command-line tools and apps that act as an authenticator::

    from plinto.authenticator import authenticator_code

    code = authenticator_code(setup.qr_code_url).code
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Mapping, Union

from . import _native
from .errors import InvalidInputError, error_from_json
from .types import AuthenticatorCode, OtpAccount

__all__ = ["authenticator_code", "parse_otpauth_uri"]


def _stateless(op: str, args: Mapping[str, Any]) -> Any:
    try:
        text = _native.call_stateless(op, json.dumps(args))
    except _native.NativeError as e:
        raise error_from_json(str(e.args[0]) if e.args else "") from None
    return json.loads(text)


def parse_otpauth_uri(uri: str) -> OtpAccount:
    """Parses and validates an ``otpauth://totp/`` URI; a malformed one raises
    :class:`~plinto.InvalidInputError` naming the bad part. ``secret`` is base32: do not
    log it."""
    if not isinstance(uri, str):
        raise InvalidInputError("Invalid uri: must be a string", field="uri")
    return OtpAccount.from_json(_stateless("parse_otpauth_uri", {"uri": uri}))


def authenticator_code(uri: str, time: Union[datetime, int, None] = None) -> AuthenticatorCode:
    """The code of an ``otpauth://`` URI now, or at ``time`` (Unix seconds, or a datetime; a
    naive datetime is read as local time), with the seconds it stays valid."""
    if not isinstance(uri, str):
        raise InvalidInputError("Invalid uri: must be a string", field="uri")
    args: Dict[str, Any] = {"uri": uri}
    if isinstance(time, datetime):
        args["time"] = int(time.timestamp())
    elif isinstance(time, int) and not isinstance(time, bool):
        args["time"] = time
    elif time is not None:
        raise InvalidInputError("Invalid time: must be a datetime or Unix seconds", field="time")
    return AuthenticatorCode.from_json(_stateless("authenticator_code", args))
