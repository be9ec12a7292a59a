"""Exceptions of Plinto MFA.

Every failure of the engine is a :class:`MfaError` with a stable ``code`` (the codes of
``tests/vectors/error_codes.json``), raised as the subclass of that code
(:class:`RateLimitedError` with ``retry_after``, :class:`InvalidInputError` with ``field``,
...). The subclasses are generated from the core's error table. A wrong MFA code is not an
exception: ``verify_mfa`` returns ``success=False`` with ``attempts_remaining``.

Field names in errors are snake_case, as Python callers spell their arguments
(``user_id``, ``rate_limiting.max_attempts``).
"""

from __future__ import annotations

from typing import Tuple

from . import _native
from ._base import MfaError, error_class, error_from_json
from ._operations import (
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

__all__ = [
    "ERROR_CODES",
    "AlreadyExistsError",
    "BackupCodeAlreadyUsedError",
    "DatabaseTooNewError",
    "DeliveryFailedError",
    "ExpiredCodeError",
    "FactorsSuspendedError",
    "InternalError",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "KeyMismatchError",
    "MethodNotSupportedError",
    "MfaError",
    "NoBackupCodesRemainingError",
    "NotEnabledError",
    "NotFoundError",
    "RateLimitedError",
    "SessionInvalidError",
    "SetupFailedError",
    "SetupRequiredError",
    "PushSuspendedError",
    "StepUpRequiredError",
    "StorageError",
    "error_class",
    "error_from_json",
]

#: Every code the engine reports, in the engine's order.
ERROR_CODES: Tuple[str, ...] = tuple(_native.error_codes())
