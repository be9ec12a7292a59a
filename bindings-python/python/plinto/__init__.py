"""Plinto MFA for Python: TOTP with replay protection, backup codes, attempt limiting and
lockout, sessions with step-up and an audit log, on an embedded SQLite store with every
secret sealed at rest. The engine is native (Rust); this package is a thin layer over it.

Quick start (FastAPI or any asyncio code)::

    import plinto

    user = (await plinto.auth.sign_up("user@example.com", "password123!")).user
    setup = await plinto.auth.enable_mfa(user_id=user.id, method="totp", label="MyApp")
    # show setup.qr_code_url, then confirm with a code from the app:
    await plinto.auth.verify_mfa(user_id=user.id, method="totp", code="123456")

``plinto.auth`` (async) and ``plinto.auth_sync`` (blocking) belong to a default
:class:`Plinto` instance created on first use from ``PLINTO_DATABASE`` (default
``./plinto.db``), ``PLINTO_SECRET_KEY`` and ``PLINTO_ISSUER``. Create your own
``Plinto(database=..., secret_key=...)`` to choose explicitly.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from . import _native
from ._client import (
    AsyncAuth,
    AsyncMfa,
    DestinationRejected,
    Notifier,
    PasswordCheck,
    Plinto,
    Sender,
    SyncAuth,
    SyncMfa,
)
from .authenticator import authenticator_code, parse_otpauth_uri
from .push_phone import (
    open_push_challenge,
    parse_push_enrollment,
    pin_push_server_key,
    push_answer,
    push_phone_key,
    push_poll,
    push_registration,
)
from .errors import (
    ERROR_CODES,
    AlreadyExistsError,
    BackupCodeAlreadyUsedError,
    DatabaseTooNewError,
    DeliveryFailedError,
    ExpiredCodeError,
    FactorsSuspendedError,
    InternalError,
    InvalidCodeError,
    InvalidCredentialsError,
    InvalidInputError,
    KeyMismatchError,
    MethodNotSupportedError,
    MfaError,
    NoBackupCodesRemainingError,
    NotEnabledError,
    NotFoundError,
    RateLimitedError,
    SessionInvalidError,
    SetupFailedError,
    SetupRequiredError,
    PushSuspendedError,
    StepUpRequiredError,
    StorageError,
)
from .types import (
    AdminResult,
    AllowedCredential,
    AuditEvent,
    AuditVerification,
    Authorization,
    AuthenticatorCode,
    BackupCodes,
    ChannelInfo,
    ConfigureResult,
    DailyCount,
    DeliveryMeta,
    DisableMfaResult,
    EnableMfaResult,
    EnforceRolloutResult,
    ImportIssue,
    ImportReport,
    IssuedSession,
    MethodCounts,
    MfaEnrollment,
    MfaLevel,
    MfaStatus,
    Notification,
    OtpAccount,
    PasskeyInfo,
    PasskeyOptions,
    PasskeyRegistrationResult,
    PhaseStart,
    Record,
    RemoveFactorResult,
    RemovePasskeyResult,
    RequestCodeResult,
    RevokedSessions,
    RolloutStats,
    RolloutStatus,
    RotateKeyResult,
    Session,
    SessionInfo,
    SessionSummary,
    SignInResult,
    SignUpResult,
    SuccessResult,
    TotpDevice,
    User,
    UserRollout,
    VerifyMfaResult,
)

__version__: str = _native.__version__

__all__ = [
    "AdminResult",
    "AllowedCredential",
    "AlreadyExistsError",
    "AsyncAuth",
    "AsyncMfa",
    "AuditEvent",
    "AuditVerification",
    "Authorization",
    "AuthenticatorCode",
    "BackupCodeAlreadyUsedError",
    "BackupCodes",
    "ChannelInfo",
    "ConfigureResult",
    "DailyCount",
    "DatabaseTooNewError",
    "DeliveryFailedError",
    "DeliveryMeta",
    "DestinationRejected",
    "DisableMfaResult",
    "ERROR_CODES",
    "EnableMfaResult",
    "EnforceRolloutResult",
    "ExpiredCodeError",
    "FactorsSuspendedError",
    "ImportIssue",
    "ImportReport",
    "InternalError",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "IssuedSession",
    "KeyMismatchError",
    "MethodCounts",
    "MethodNotSupportedError",
    "MfaEnrollment",
    "MfaError",
    "MfaLevel",
    "MfaStatus",
    "Notification",
    "Notifier",
    "NoBackupCodesRemainingError",
    "NotEnabledError",
    "NotFoundError",
    "OtpAccount",
    "PasskeyInfo",
    "PasskeyOptions",
    "PasskeyRegistrationResult",
    "PasswordCheck",
    "PhaseStart",
    "Plinto",
    "RateLimitedError",
    "Record",
    "RemoveFactorResult",
    "RemovePasskeyResult",
    "RequestCodeResult",
    "RevokedSessions",
    "RolloutStats",
    "RolloutStatus",
    "RotateKeyResult",
    "Sender",
    "Session",
    "SessionInfo",
    "SessionSummary",
    "SessionInvalidError",
    "SetupFailedError",
    "SetupRequiredError",
    "PushSuspendedError",
    "SignInResult",
    "SignUpResult",
    "StepUpRequiredError",
    "StorageError",
    "SuccessResult",
    "SyncAuth",
    "SyncMfa",
    "TotpDevice",
    "User",
    "UserRollout",
    "VerifyMfaResult",
    "authenticator_code",
    "default_client",
    "parse_otpauth_uri",
    "open_push_challenge",
    "parse_push_enrollment",
    "pin_push_server_key",
    "push_answer",
    "push_phone_key",
    "push_poll",
    "push_registration",
]

#: The default instance's namespaces, created on first access (see ``__getattr__``).
auth: AsyncAuth
auth_sync: SyncAuth

_default: Optional[Plinto] = None
_default_lock = threading.Lock()


def default_client() -> Plinto:
    """The default instance behind ``plinto.auth``, opened from the environment on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Plinto()
    return _default


def __getattr__(name: str) -> Any:
    if name == "auth":
        return default_client().auth
    if name == "auth_sync":
        return default_client().auth_sync
    raise AttributeError(f"module 'plinto' has no attribute {name!r}")
