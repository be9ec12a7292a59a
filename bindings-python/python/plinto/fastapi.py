"""FastAPI dependencies for the default instance (``plinto.auth``), as in the guide.

* :func:`get_current_session`: the session of the ``session`` cookie or the bearer token;
  401 when missing or invalid, 403 (``requires_mfa``) while its MFA step is pending.
* :func:`get_current_user`: that session's user.
* :class:`MfaRequirement`: a dependency enforcing an :class:`~plinto.MfaLevel` on a route;
  which users need MFA at a level is decided by the engine's policy.

Importing this module needs FastAPI (``pip install 'plinto-mfa[fastapi]'``); the rest of the
package does not.
"""

from __future__ import annotations

from typing import Optional

try:
    from fastapi import Cookie, Depends, HTTPException
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
except ImportError as error:  # pragma: no cover - exercised without FastAPI installed
    raise ImportError(
        "plinto.fastapi needs FastAPI: pip install 'plinto-mfa[fastapi]'"
    ) from error

import plinto

from .types import MfaLevel, SessionInfo, User

__all__ = [
    "MfaLevel",
    "MfaRequirement",
    "bearer",
    "get_current_session",
    "get_current_user",
]

#: Reads ``Authorization: Bearer <token>`` without failing when it is absent (the cookie may
#: carry the session instead).
bearer = HTTPBearer(auto_error=False)


async def get_current_session(
    session: Optional[str] = Cookie(None),
    token: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
) -> SessionInfo:
    """The caller's valid, fully signed-in session."""
    auth_token = session or (token.credentials if token else None)
    if not auth_token:
        raise HTTPException(status_code=401, detail="No authentication token")
    try:
        info = await plinto.auth.verify_session(auth_token)
    except plinto.MfaError:
        raise HTTPException(status_code=401, detail="Authentication failed") from None
    if not info.valid or info.user is None:
        raise HTTPException(status_code=401, detail="Invalid or expired session")
    if info.requires_mfa and not info.mfa_completed:
        raise HTTPException(
            status_code=403,
            detail={
                "error": "MFA required",
                "requires_mfa": True,
                "session_id": info.id,
                "available_methods": info.mfa_methods,
            },
        )
    return info


async def get_current_user(
    current_session: SessionInfo = Depends(get_current_session),
) -> User:
    """The user of the caller's session."""
    user = current_session.user
    if user is None:  # pragma: no cover - get_current_session guarantees a user
        raise HTTPException(status_code=401, detail="Invalid or expired session")
    return user


class MfaRequirement:
    """A route dependency requiring MFA at ``level``; returns the current user.

    Responds 403 with ``requires_mfa_setup`` when the user must use MFA but has none, and 403
    with ``requires_mfa`` and ``session_id`` when this session has not passed MFA (complete
    it with ``verify_mfa(session_id=...)``, which marks the session).
    """

    level: MfaLevel

    def __init__(self, level: MfaLevel = MfaLevel.REQUIRED) -> None:
        self.level = MfaLevel(level)

    async def __call__(
        self,
        current_user: User = Depends(get_current_user),
        current_session: SessionInfo = Depends(get_current_session),
    ) -> User:
        required = await plinto.auth.should_require_mfa(self.level, current_user.role)
        if not required:
            return current_user
        status = await plinto.auth.get_mfa_status(current_user.id)
        if not status.enabled:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA required but not configured",
                    "requires_mfa_setup": True,
                    "redirect_to": "/settings/security",
                },
            )
        if not current_session.mfa_verified:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA verification required",
                    "requires_mfa": True,
                    "session_id": current_session.id,
                    "available_methods": status.methods,
                },
            )
        return current_user

    def __repr__(self) -> str:
        return f"MfaRequirement({self.level.value!r})"
