from __future__ import annotations

from typing import Optional

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .types import MfaLevel as MfaLevel
from .types import SessionInfo, User

__all__ = [
    "MfaLevel",
    "MfaRequirement",
    "bearer",
    "get_current_session",
    "get_current_user",
]

bearer: HTTPBearer

async def get_current_session(
    session: Optional[str] = ...,
    token: Optional[HTTPAuthorizationCredentials] = ...,
) -> SessionInfo: ...
async def get_current_user(current_session: SessionInfo = ...) -> User: ...

class MfaRequirement:
    level: MfaLevel
    def __init__(self, level: MfaLevel = MfaLevel.REQUIRED) -> None: ...
    async def __call__(
        self,
        current_user: User = ...,
        current_session: SessionInfo = ...,
    ) -> User: ...
