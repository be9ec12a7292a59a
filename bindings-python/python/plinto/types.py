"""Results of Plinto MFA operations.

Each result is a ``dict`` with snake_case keys whose values can also be read as attributes
(``result.session.token`` and ``result["session"]["token"]``), so results go straight into
JSON responses (``json.dumps``, FastAPI, Starlette's ``JSONResponse``). ``to_dict()`` gives a
plain copy. The record classes are generated from the core's operation table.
"""

from __future__ import annotations

from enum import Enum

from ._base import Record
from ._operations import (
    AdminResult,
    AllowedCredential,
    AuditEvent,
    AuditVerification,
    AuthenticatorCode,
    BackupCodes,
    ChannelInfo,
    ConfigureResult,
    DailyCount,
    DeliveryMeta,
    DisableMfaResult,
    EnableMfaResult,
    Authorization,
    EnforceRolloutResult,
    ImportIssue,
    ImportReport,
    IssuedSession,
    MethodCounts,
    MfaEnrollment,
    MfaStatus,
    Notification,
    OtpAccount,
    PasskeyInfo,
    PasskeyOptions,
    PhaseStart,
    RemoveFactorResult,
    RequestCodeResult,
    RevokedSessions,
    RolloutStats,
    RolloutStatus,
    RotateKeyResult,
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

__all__ = [
    "AdminResult",
    "AllowedCredential",
    "AuditEvent",
    "AuditVerification",
    "Authorization",
    "AuthenticatorCode",
    "BackupCodes",
    "ChannelInfo",
    "ConfigureResult",
    "DailyCount",
    "DeliveryMeta",
    "DisableMfaResult",
    "EnableMfaResult",
    "EnforceRolloutResult",
    "ImportIssue",
    "ImportReport",
    "IssuedSession",
    "MethodCounts",
    "MfaEnrollment",
    "MfaLevel",
    "MfaStatus",
    "Notification",
    "OtpAccount",
    "PasskeyInfo",
    "PasskeyOptions",
    "PasskeyRegistrationResult",
    "PhaseStart",
    "Record",
    "RemoveFactorResult",
    "RemovePasskeyResult",
    "RequestCodeResult",
    "RevokedSessions",
    "RolloutStats",
    "RolloutStatus",
    "RotateKeyResult",
    "Session",
    "SessionInfo",
    "SessionSummary",
    "SignInResult",
    "SignUpResult",
    "SuccessResult",
    "TotpDevice",
    "User",
    "UserRollout",
    "VerifyMfaResult",
]

#: The session handed to a client (earlier name of :class:`IssuedSession`).
Session = IssuedSession
#: What removing a security key gives (earlier name of :class:`RemoveFactorResult`).
RemovePasskeyResult = RemoveFactorResult
#: What registering a security key gives (earlier name; it is a :class:`VerifyMfaResult`).
PasskeyRegistrationResult = VerifyMfaResult


class MfaLevel(str, Enum):
    """The guide's MFA requirement levels for routes."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"
    ADMIN_ONLY = "admin_only"
