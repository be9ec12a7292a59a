from __future__ import annotations

from enum import Enum
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

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

R = TypeVar("R", bound="Record")

class Record(Dict[str, Any]):
    @classmethod
    def from_json(cls: Type[R], data: Mapping[str, Any]) -> R: ...
    def to_dict(self) -> Dict[str, Any]: ...

class User(Record):
    id: str
    email: str
    role: str
    created_at: str
    mfa_enabled: bool
    mfa_methods: List[str]

class Session(Record):
    id: str
    token: str
    expires_in: int
    expires_at: str
    mfa_verified: bool

class SignUpResult(Record):
    user: User
    session: Session

class SignInResult(Record):
    success: bool
    requires_mfa: bool
    session_id: Optional[str]
    mfa_methods: List[str]
    expires_in: int
    user: Optional[User]
    session: Optional[Session]

class SessionInfo(Record):
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
    success: bool
    method: str
    expires_in: int
    attempts_remaining: int
    destination: str

class VerifyMfaResult(Record):
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
    id: str
    name: str
    created_at: str
    last_used: Optional[str]

class MfaStatus(Record):
    enabled: bool
    methods: List[str]
    backup_codes_remaining: int
    last_used: Optional[str]
    setup_date: Optional[str]
    totp_devices: List[TotpDevice]
    channels: List[Record]

class DisableMfaResult(Record):
    success: bool
    disabled_at: str

class BackupCodes(Record):
    codes: List[str]
    generated_at: str

class AuditEvent(Record):
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
    success: bool
    applied_at: str

class SuccessResult(Record):
    success: bool

class PasskeyOptions(Record):
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
    success: bool
    method: str
    credential_id: str
    backup_codes: Optional[List[str]]

class PasskeyInfo(Record):
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
    success: bool
    mfa_disabled: bool
    disabled_at: Optional[str]

class OtpAccount(Record):
    issuer: Optional[str]
    account_name: str
    secret: str
    algorithm: str
    digits: int
    period: int

class AuthenticatorCode(Record):
    code: str
    seconds_remaining: int
    period: int

class MfaLevel(str, Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"
    ADMIN_ONLY = "admin_only"
