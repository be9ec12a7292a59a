from __future__ import annotations

from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, Union

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

ERROR_CODES: Tuple[str, ...]

class MfaError(Exception):
    default_code: ClassVar[str]
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
    ) -> None: ...
    def to_dict(self) -> Dict[str, Any]: ...

class InvalidInputError(MfaError): ...
class NotFoundError(MfaError): ...
class AlreadyExistsError(MfaError): ...
class InvalidCredentialsError(MfaError): ...
class SessionInvalidError(MfaError): ...
class RateLimitedError(MfaError): ...
class StepUpRequiredError(MfaError): ...

def error_class(code: str) -> Type[MfaError]: ...
def error_from_json(data: Union[str, bytes, Mapping[str, Any]]) -> MfaError: ...
