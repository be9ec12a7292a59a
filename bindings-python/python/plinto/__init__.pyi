"""Plinto MFA for Python: a native MFA engine behind ``plinto.auth`` (async) and
``plinto.auth_sync`` (blocking)."""

from __future__ import annotations

import os
from typing import Any, Callable, List, Mapping, Optional, Union

from .errors import ERROR_CODES as ERROR_CODES
from .errors import AlreadyExistsError as AlreadyExistsError
from .errors import InvalidCredentialsError as InvalidCredentialsError
from .errors import InvalidInputError as InvalidInputError
from .errors import MfaError as MfaError
from .errors import NotFoundError as NotFoundError
from .errors import RateLimitedError as RateLimitedError
from .errors import SessionInvalidError as SessionInvalidError
from .errors import StepUpRequiredError as StepUpRequiredError
from .authenticator import authenticator_code as authenticator_code
from .authenticator import parse_otpauth_uri as parse_otpauth_uri
from .types import AuditEvent as AuditEvent
from .types import AuthenticatorCode as AuthenticatorCode
from .types import BackupCodes as BackupCodes
from .types import ConfigureResult as ConfigureResult
from .types import DisableMfaResult as DisableMfaResult
from .types import EnableMfaResult as EnableMfaResult
from .types import MfaLevel as MfaLevel
from .types import MfaStatus as MfaStatus
from .types import OtpAccount as OtpAccount
from .types import PasskeyInfo as PasskeyInfo
from .types import PasskeyOptions as PasskeyOptions
from .types import PasskeyRegistrationResult as PasskeyRegistrationResult
from .types import Record as Record
from .types import RemovePasskeyResult as RemovePasskeyResult
from .types import RequestCodeResult as RequestCodeResult
from .types import Session as Session
from .types import SessionInfo as SessionInfo
from .types import SignInResult as SignInResult
from .types import SignUpResult as SignUpResult
from .types import SuccessResult as SuccessResult
from .types import TotpDevice as TotpDevice
from .types import User as User
from .types import VerifyMfaResult as VerifyMfaResult

__version__: str

__all__ = [
    "AlreadyExistsError",
    "AsyncAuth",
    "AsyncMfa",
    "AuditEvent",
    "AuthenticatorCode",
    "BackupCodes",
    "ConfigureResult",
    "DisableMfaResult",
    "ERROR_CODES",
    "EnableMfaResult",
    "InvalidCredentialsError",
    "InvalidInputError",
    "MfaError",
    "MfaLevel",
    "MfaStatus",
    "NotFoundError",
    "OtpAccount",
    "PasskeyInfo",
    "PasskeyOptions",
    "PasskeyRegistrationResult",
    "Plinto",
    "RateLimitedError",
    "Record",
    "RemovePasskeyResult",
    "RequestCodeResult",
    "Sender",
    "Session",
    "SessionInfo",
    "SessionInvalidError",
    "SignInResult",
    "SignUpResult",
    "StepUpRequiredError",
    "SuccessResult",
    "SyncAuth",
    "SyncMfa",
    "TotpDevice",
    "User",
    "VerifyMfaResult",
    "authenticator_code",
    "default_client",
    "parse_otpauth_uri",
]

#: The default instance's namespaces, created from the environment on first access.
auth: AsyncAuth
auth_sync: SyncAuth

def default_client() -> Plinto: ...

Sender = Callable[[str, str, Record], Any]

class Plinto:
    auth: AsyncAuth
    auth_sync: SyncAuth
    def __init__(
        self,
        database: Union[str, os.PathLike[str], None] = None,
        secret_key: Union[str, bytes, None] = None,
        issuer: Optional[str] = None,
        senders: Optional[Mapping[str, Sender]] = None,
        **configure_options: Any,
    ) -> None: ...
    def set_sender(self, channel: str, sender: Optional[Sender]) -> None: ...

class SyncMfa:
    def __init__(self, auth: SyncAuth) -> None: ...
    def challenge(
        self,
        *,
        method: str,
        code: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        challenge_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    def configure(
        self,
        options: Optional[Mapping[str, Any]] = None,
        /,
        **kwargs: Any,
    ) -> ConfigureResult: ...
    def request_new_code(
        self,
        *,
        method: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RequestCodeResult: ...
    def set_sender(self, channel: str, sender: Optional[Sender]) -> None: ...
    requestNewCode = request_new_code

class SyncAuth:
    mfa: SyncMfa
    def __init__(self, client: Plinto) -> None: ...
    def sign_up(
        self,
        email: str,
        password: str,
        *,
        role: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignUpResult: ...
    def sign_in(
        self,
        email: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignInResult: ...
    def sign_out(
        self,
        token: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult: ...
    def verify_session(self, token: str) -> SessionInfo: ...
    def verify_password(
        self,
        user_id: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult: ...
    def delete_user(self, user_id: str) -> SuccessResult: ...
    def get_user(self, user_id: str) -> User: ...
    def enable_mfa(
        self,
        user_id: str,
        method: str,
        *,
        label: Optional[str] = None,
        device_name: Optional[str] = None,
        phone_number: Optional[str] = None,
        email: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> EnableMfaResult: ...
    def verify_mfa(
        self,
        *,
        method: str,
        code: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        challenge_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    def get_mfa_status(self, user_id: str) -> MfaStatus: ...
    def disable_mfa(
        self,
        user_id: str,
        confirmation_code: str,
        password: Optional[str] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> DisableMfaResult: ...
    def regenerate_mfa_backup_codes(
        self,
        user_id: str,
        count: Optional[int] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> BackupCodes: ...
    def list_audit_events(
        self,
        user_id: str,
        since: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[AuditEvent]: ...
    def require_recent_mfa(self, token: str, max_age: Optional[int] = None) -> SuccessResult: ...
    def get_fallback_methods(self, user_id: str, failed_method: str) -> List[str]: ...
    def should_require_mfa(
        self,
        level: Union[MfaLevel, str],
        role: Optional[str] = None,
    ) -> bool: ...
    def get_passkey_registration_options(
        self,
        user_id: Optional[str] = None,
        *,
        type: Optional[str] = None,
        session_id: Optional[str] = None,
        authenticator_type: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions: ...
    def verify_passkey_registration(
        self,
        *,
        challenge_id: str,
        credential: Optional[Mapping[str, Any]] = None,
        assertion: Optional[Mapping[str, Any]] = None,
        type: Optional[str] = None,
        user_id: Optional[str] = None,
        session_id: Optional[str] = None,
        name: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Union[PasskeyRegistrationResult, VerifyMfaResult]: ...
    def get_passkey_authentication_options(
        self,
        session_id: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions: ...
    def verify_passkey_authentication(
        self,
        *,
        challenge_id: str,
        credential: Mapping[str, Any],
        session_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    def list_passkeys(self, user_id: str) -> List[PasskeyInfo]: ...
    def rename_passkey(self, user_id: str, credential_id: str, name: str) -> SuccessResult: ...
    def remove_passkey(
        self,
        user_id: str,
        credential_id: str,
        *,
        password: Optional[str] = None,
        confirmation_code: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RemovePasskeyResult: ...
    enableMFA = enable_mfa
    verifyMFA = verify_mfa
    getMFAStatus = get_mfa_status
    disableMFA = disable_mfa
    regenerateMFABackupCodes = regenerate_mfa_backup_codes
    getPasskeyRegistrationOptions = get_passkey_registration_options
    verifyPasskeyRegistration = verify_passkey_registration


class AsyncMfa:
    def __init__(self, sync: SyncMfa) -> None: ...
    async def challenge(
        self,
        *,
        method: str,
        code: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        challenge_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    async def configure(
        self,
        options: Optional[Mapping[str, Any]] = None,
        /,
        **kwargs: Any,
    ) -> ConfigureResult: ...

    async def request_new_code(
        self,
        *,
        method: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RequestCodeResult: ...
    def set_sender(self, channel: str, sender: Optional[Sender]) -> None: ...
    requestNewCode = request_new_code

class AsyncAuth:
    mfa: AsyncMfa
    def __init__(self, sync: SyncAuth) -> None: ...
    async def sign_up(
        self,
        email: str,
        password: str,
        *,
        role: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignUpResult: ...
    async def sign_in(
        self,
        email: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignInResult: ...
    async def sign_out(
        self,
        token: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult: ...
    async def verify_session(self, token: str) -> SessionInfo: ...
    async def verify_password(
        self,
        user_id: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult: ...
    async def delete_user(self, user_id: str) -> SuccessResult: ...
    async def get_user(self, user_id: str) -> User: ...
    async def enable_mfa(
        self,
        user_id: str,
        method: str,
        *,
        label: Optional[str] = None,
        device_name: Optional[str] = None,
        phone_number: Optional[str] = None,
        email: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> EnableMfaResult: ...
    async def verify_mfa(
        self,
        *,
        method: str,
        code: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        challenge_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    async def get_mfa_status(self, user_id: str) -> MfaStatus: ...
    async def disable_mfa(
        self,
        user_id: str,
        confirmation_code: str,
        password: Optional[str] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> DisableMfaResult: ...
    async def regenerate_mfa_backup_codes(
        self,
        user_id: str,
        count: Optional[int] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> BackupCodes: ...
    async def list_audit_events(
        self,
        user_id: str,
        since: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[AuditEvent]: ...
    async def require_recent_mfa(
        self,
        token: str,
        max_age: Optional[int] = None,
    ) -> SuccessResult: ...
    async def get_fallback_methods(self, user_id: str, failed_method: str) -> List[str]: ...
    async def should_require_mfa(
        self,
        level: Union[MfaLevel, str],
        role: Optional[str] = None,
    ) -> bool: ...
    async def get_passkey_registration_options(
        self,
        user_id: Optional[str] = None,
        *,
        type: Optional[str] = None,
        session_id: Optional[str] = None,
        authenticator_type: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions: ...
    async def verify_passkey_registration(
        self,
        *,
        challenge_id: str,
        credential: Optional[Mapping[str, Any]] = None,
        assertion: Optional[Mapping[str, Any]] = None,
        type: Optional[str] = None,
        user_id: Optional[str] = None,
        session_id: Optional[str] = None,
        name: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Union[PasskeyRegistrationResult, VerifyMfaResult]: ...
    async def get_passkey_authentication_options(
        self,
        session_id: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions: ...
    async def verify_passkey_authentication(
        self,
        *,
        challenge_id: str,
        credential: Mapping[str, Any],
        session_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult: ...
    async def list_passkeys(self, user_id: str) -> List[PasskeyInfo]: ...
    async def rename_passkey(
        self,
        user_id: str,
        credential_id: str,
        name: str,
    ) -> SuccessResult: ...
    async def remove_passkey(
        self,
        user_id: str,
        credential_id: str,
        *,
        password: Optional[str] = None,
        confirmation_code: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RemovePasskeyResult: ...
    enableMFA = enable_mfa
    verifyMFA = verify_mfa
    getMFAStatus = get_mfa_status
    disableMFA = disable_mfa
    regenerateMFABackupCodes = regenerate_mfa_backup_codes
    getPasskeyRegistrationOptions = get_passkey_registration_options
    verifyPasskeyRegistration = verify_passkey_registration

