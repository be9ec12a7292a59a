"""Results of Plinto MFA operations.

Each result is a ``dict`` with snake_case keys whose values can also be read as attributes
(``result.session.token`` and ``result["session"]["token"]``), so results go straight into
JSON responses (``json.dumps``, FastAPI, Starlette's ``JSONResponse``). ``to_dict()`` gives a
plain copy. The engine's camelCase keys are converted recursively.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Type, TypeVar

__all__ = [
    "AuditEvent",
    "AuthenticatorCode",
    "BackupCodes",
    "ConfigureResult",
    "DisableMfaResult",
    "EnableMfaResult",
    "MfaLevel",
    "MfaStatus",
    "OtpAccount",
    "PasskeyInfo",
    "PasskeyOptions",
    "PasskeyRegistrationResult",
    "Record",
    "RemovePasskeyResult",
    "RequestCodeResult",
    "Session",
    "SessionInfo",
    "SignInResult",
    "SignUpResult",
    "SuccessResult",
    "TotpDevice",
    "User",
    "VerifyMfaResult",
]

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")
R = TypeVar("R", bound="Record")


def _snake(name: str) -> str:
    return _UPPER.sub(r"_\1", name).lower()


def _convert(value: Any, record: Optional[Type[Record]]) -> Any:
    if isinstance(value, dict):
        return (record or Record).from_json(value)
    if isinstance(value, list):
        return [_convert(v, record) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Record(Dict[str, Any]):
    """A result: a ``dict`` with snake_case keys, also readable as attributes."""

    __slots__ = ()

    #: Keys whose values (or list items) are records of a given type.
    _nested: ClassVar[Mapping[str, Type[Record]]] = {}
    #: Keys whose values are kept exactly as the engine gave them (JSON for a browser).
    _verbatim: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_json(cls: Type[R], data: Mapping[str, Any]) -> R:
        """Builds a record from engine JSON, turning camelCase keys snake_case."""
        out = cls()
        for key, value in data.items():
            name = _snake(key)
            if name in cls._verbatim:
                out[name] = value
            else:
                out[name] = _convert(value, cls._nested.get(name))
        return out

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            # A field the record declares but the engine left out (an optional one) is None.
            if any(name in vars(c).get("__annotations__", {}) for c in type(self).__mro__):
                return None
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def to_dict(self) -> Dict[str, Any]:
        """A plain ``dict`` copy (nested records and lists copied too)."""
        out: Dict[str, Any] = _plain(self)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        # Lets pydantic (and so FastAPI return annotations such as `-> plinto.User`) treat a
        # record as the JSON object it is, without this package depending on pydantic.
        return handler.generate_schema(Dict[str, Any])


class User(Record):
    """A user as applications see it (never the password hash)."""

    __slots__ = ()
    id: str
    email: str
    role: str
    created_at: str
    mfa_enabled: bool
    mfa_methods: List[str]


class Session(Record):
    """A session handed to the client; ``token`` (equal to ``id``) is its bearer secret."""

    __slots__ = ()
    id: str
    token: str
    expires_in: int
    expires_at: str
    mfa_verified: bool


class SignUpResult(Record):
    """The new user and a signed-in session."""

    __slots__ = ()
    _nested = {"user": User, "session": Session}
    user: User
    session: Session


class SignInResult(Record):
    """Either a session, or ``requires_mfa`` with a pending ``session_id`` to complete."""

    __slots__ = ()
    _nested = {"user": User, "session": Session}
    success: bool
    requires_mfa: bool
    session_id: Optional[str]
    mfa_methods: List[str]
    expires_in: int
    user: Optional[User]
    session: Optional[Session]


class SessionInfo(Record):
    """What ``verify_session`` knows about a token (``valid=False`` when unknown)."""

    __slots__ = ()
    _nested = {"user": User}
    valid: bool
    id: Optional[str]
    user: Optional[User]
    requires_mfa: bool
    mfa_completed: bool
    mfa_verified: bool
    mfa_verified_at: Optional[str]
    mfa_method: Optional[str]
    mfa_methods: List[str]
    expires_in: int


class EnableMfaResult(Record):
    """A method being set up: for TOTP the secret, its ``otpauth://`` URI and QR code."""

    __slots__ = ()
    success: bool
    method: str
    secret: Optional[str]
    qr_code_url: Optional[str]
    qr_code_svg: Optional[str]
    qr_code_data_url: Optional[str]
    backup_codes: Optional[List[str]]
    challenge_id: Optional[str]
    expires_in: Optional[int]
    code_sent: Optional[bool]
    destination: Optional[str]


class RequestCodeResult(Record):
    """A new SMS or email code was sent."""

    __slots__ = ()
    success: bool
    method: str
    expires_in: int
    attempts_remaining: int
    destination: str


class VerifyMfaResult(Record):
    """Outcome of an MFA code check; a wrong code is ``success=False``, not an exception."""

    __slots__ = ()
    _nested = {"user": User, "session": Session}
    success: bool
    method: str
    user: Optional[User]
    session: Optional[Session]
    backup_codes: Optional[List[str]]
    attempts_remaining: Optional[int]
    rate_limited: bool
    retry_after: Optional[int]
    error: Optional[str]
    fallback_methods: Optional[List[str]]


class TotpDevice(Record):
    """An enrolled authenticator app."""

    __slots__ = ()
    id: str
    name: str
    created_at: str
    last_used: Optional[str]


class MfaStatus(Record):
    """A user's MFA state."""

    __slots__ = ()
    _nested = {"totp_devices": TotpDevice}
    enabled: bool
    methods: List[str]
    backup_codes_remaining: int
    last_used: Optional[str]
    setup_date: Optional[str]
    totp_devices: List[TotpDevice]
    channels: List[Record]


class DisableMfaResult(Record):
    """MFA was turned off."""

    __slots__ = ()
    success: bool
    disabled_at: str


class BackupCodes(Record):
    """A new set of backup codes: show them once."""

    __slots__ = ()
    codes: List[str]
    generated_at: str


class AuditEvent(Record):
    """One audit-log entry."""

    __slots__ = ()
    id: int
    user_id: Optional[str]
    action: str
    method: Optional[str]
    success: bool
    ip_address: Optional[str]
    user_agent: Optional[str]
    detail: Optional[str]
    created_at: str


class ConfigureResult(Record):
    """Settings were applied."""

    __slots__ = ()
    success: bool
    applied_at: str


class SuccessResult(Record):
    """An operation that only reports success."""

    __slots__ = ()
    success: bool


class PasskeyOptions(Record):
    """Options for the browser's ``navigator.credentials.create()`` (``type`` is
    ``registration``) or ``.get()`` (``authentication``). ``public_key`` is the standard
    ``PublicKeyCredentialCreationOptionsJSON`` / ``RequestOptionsJSON`` (camelCase, base64url),
    kept exactly as browsers expect it; answer with ``challenge_id`` and the credential."""

    __slots__ = ()
    _verbatim = frozenset({"public_key"})
    success: bool
    type: str
    id: str
    challenge_id: str
    authenticator_type: Optional[str]
    challenge: str
    timeout: Optional[int]
    expires_in: int
    allow_credentials: Optional[List[Record]]
    public_key: Dict[str, Any]


class PasskeyRegistrationResult(Record):
    """A security key or passkey was stored; the first MFA factor also gets backup codes."""

    __slots__ = ()
    success: bool
    method: str
    credential_id: str
    backup_codes: Optional[List[str]]


class PasskeyInfo(Record):
    """One of a user's security keys or passkeys (``type``: ``securityKey`` or ``passkey``)."""

    __slots__ = ()
    id: str
    credential_id: str
    name: str
    type: str
    transports: List[str]
    aaguid: Optional[str]
    sign_count: int
    created_at: str
    last_used: Optional[str]


class RemovePasskeyResult(Record):
    """A key was removed; removing the last MFA factor turned MFA off (``mfa_disabled``)."""

    __slots__ = ()
    success: bool
    mfa_disabled: bool
    disabled_at: Optional[str]


class OtpAccount(Record):
    """One TOTP account read from an ``otpauth://`` URI; ``secret`` is base32 (do not log it:
    the record's ``repr`` hides it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k == "secret" else v) for k, v in self.items()}
        return f"OtpAccount({shown!r})"

    issuer: Optional[str]
    account_name: str
    secret: str
    algorithm: str
    digits: int
    period: int


class AuthenticatorCode(Record):
    """A code and how long it stays valid (``seconds_remaining``: 1 to ``period``)."""

    __slots__ = ()
    code: str
    seconds_remaining: int
    period: int


class MfaLevel(str, Enum):
    """How strongly a route requires MFA (the guide's ``MfaLevel``)."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"
    ADMIN_ONLY = "admin_only"

    def __str__(self) -> str:
        return self.value
