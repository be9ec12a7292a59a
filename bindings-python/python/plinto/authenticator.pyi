from __future__ import annotations

from datetime import datetime
from typing import Union

from .types import AuthenticatorCode, OtpAccount

__all__ = ["authenticator_code", "parse_otpauth_uri"]

def parse_otpauth_uri(uri: str) -> OtpAccount: ...
def authenticator_code(uri: str, time: Union[datetime, int, None] = None) -> AuthenticatorCode: ...
