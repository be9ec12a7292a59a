"""Exceptions of Plinto MFA.

Every failure of the engine is a :class:`MfaError` with a stable ``code`` (the codes of
``tests/vectors/error_codes.json``). Codes a caller handles differently have their own
subclass; every other code is a plain :class:`MfaError`. A wrong MFA code is not an exception:
``verify_mfa`` returns ``success=False`` with ``attempts_remaining``.

Field names in errors are snake_case, as Python callers spell their arguments
(``user_id``, ``rate_limiting.max_attempts``).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, Union

from . import _native

__all__ = [
    "ERROR_CODES",
    "AlreadyExistsError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "MfaError",
    "NotFoundError",
    "RateLimitedError",
    "SessionInvalidError",
    "StepUpRequiredError",
    "error_class",
    "error_from_json",
]

#: Every code the engine reports, in the engine's order.
ERROR_CODES: Tuple[str, ...] = tuple(_native.error_codes())


class MfaError(Exception):
    """A failure of Plinto MFA, with a machine-readable ``code``.

    ``field`` names the argument at fault for ``invalid_input``; ``retry_after`` is the number
    of seconds to wait for ``mfa_rate_limited``.
    """

    #: The code an instance gets when none is given.
    default_code: ClassVar[str] = "internal"

    code: str
    field: Optional[str]
    message: str
    retry_after: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        field: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).default_code
        self.field = field
        self.retry_after = retry_after

    def to_dict(self) -> Dict[str, Any]:
        """The error as JSON-ready data: ``code``, ``message``, and ``field`` /
        ``retry_after`` when set."""
        out: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        return out

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v in (("field", self.field), ("retry_after", self.retry_after))
            if v is not None
        )
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}{extra})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keep code, field and retry_after when pickled (e.g. across multiprocessing).
        return (
            _rebuild,
            (type(self), self.message, self.code, self.field, self.retry_after),
        )


def _rebuild(
    cls: Type[MfaError],
    message: str,
    code: str,
    field: Optional[str],
    retry_after: Optional[int],
) -> MfaError:
    return cls(message, code=code, field=field, retry_after=retry_after)


class InvalidInputError(MfaError):
    """An argument was missing, of the wrong type, malformed or too long; ``field`` names it."""

    default_code = "invalid_input"


class NotFoundError(MfaError):
    """The user, device or record does not exist."""

    default_code = "not_found"


class AlreadyExistsError(MfaError):
    """A user with this email already exists."""

    default_code = "already_exists"


class InvalidCredentialsError(MfaError):
    """Email or password is wrong (deliberately not saying which)."""

    default_code = "invalid_credentials"


class SessionInvalidError(MfaError):
    """The session token is unknown, expired or signed out."""

    default_code = "session_invalid"


class RateLimitedError(MfaError):
    """Too many attempts: nothing is accepted for ``retry_after`` seconds."""

    default_code = "mfa_rate_limited"


class StepUpRequiredError(MfaError):
    """The operation needs an MFA verification more recent than the allowed age."""

    default_code = "mfa_step_up_required"


_CLASSES: Dict[str, Type[MfaError]] = {
    cls.default_code: cls
    for cls in (
        InvalidInputError,
        NotFoundError,
        AlreadyExistsError,
        InvalidCredentialsError,
        SessionInvalidError,
        RateLimitedError,
        StepUpRequiredError,
    )
}


def error_class(code: str) -> Type[MfaError]:
    """The exception class raised for ``code`` (:class:`MfaError` for codes without one)."""
    return _CLASSES.get(code, MfaError)


_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _snake(name: str) -> str:
    return _UPPER.sub(r"_\1", name).lower()


def error_from_json(data: Union[str, bytes, Mapping[str, Any]]) -> MfaError:
    """Builds the exception for the engine's error JSON ``{code, message, field?,
    retryAfter?}``; field names are turned snake_case."""
    if isinstance(data, (str, bytes)):
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return MfaError("Malformed error from the native engine", code="internal")
        data = parsed
    code = str(data.get("code") or "internal")
    message = str(data.get("message") or code)
    field = data.get("field")
    if isinstance(field, str):
        snake = ".".join(_snake(part) for part in field.split("."))
        prefix = f"Invalid {field}:"
        if snake != field and message.startswith(prefix):
            message = f"Invalid {snake}:" + message[len(prefix) :]
        field = snake
    else:
        field = None
    retry = data.get("retryAfter", data.get("retry_after"))
    retry_after = retry if isinstance(retry, int) and not isinstance(retry, bool) else None
    return error_class(code)(message, code=code, field=field, retry_after=retry_after)
