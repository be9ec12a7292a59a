"""FastAPI dependencies for the default instance (``plinto.auth``), as in the guide.

* :func:`get_session_token`: the token of the session cookie (``__Host-session`` over
  https, ``session`` over http), or the bearer token.
* :func:`get_current_session`: that token's signed-in session; 401 when missing or
  invalid, 403 (``requires_mfa``) for a sign-in still waiting for its MFA step.
* :func:`get_current_user`: that session's user.
* :class:`MfaRequirement`: a dependency enforcing an :class:`~plinto.MfaLevel` on a route;
  which users need MFA at a level is decided by the engine's policy.
* :class:`StepUpRequirement`: a dependency for the application's sensitive operations
  (the engine's ``authorize``): 403 with ``step_up_required`` until the session passed MFA
  recently.

Importing this module needs FastAPI (``pip install 'plinto-mfa[fastapi]'``); the rest of the
package does not.
"""

from __future__ import annotations

from typing import Optional

try:
    from fastapi import Cookie, Depends, HTTPException, Request
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
except ImportError as error:  # pragma: no cover - exercised without FastAPI installed
    raise ImportError(
        "plinto.fastapi needs FastAPI: pip install 'plinto-mfa[fastapi]'"
    ) from error

import plinto

from .types import Authorization, MfaLevel, SessionInfo, User

__all__ = [
    "MfaLevel",
    "MfaRequirement",
    "StepUpRequirement",
    "bearer",
    "get_current_session",
    "get_current_user",
    "get_session_token",
]

#: Reads ``Authorization: Bearer <token>`` without failing when it is absent (the cookie may
#: carry the session instead).
bearer = HTTPBearer(auto_error=False)


async def get_session_token(
    request: Request,
    host_session: Optional[str] = Cookie(None, alias="__Host-session"),
    session: Optional[str] = Cookie(None),
    token: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
) -> str:
    """The caller's session token (cookie or bearer); 401 without one. Over https only the
    ``__Host-session`` cookie counts (a plain ``session`` cookie could have been planted by a
    sibling subdomain)."""
    cookie = host_session if request.url.scheme == "https" else session
    auth_token = cookie or (token.credentials if token else None)
    if not auth_token:
        raise HTTPException(status_code=401, detail="No authentication token")
    return auth_token


async def get_current_session(
    auth_token: str = Depends(get_session_token),
) -> SessionInfo:
    """The caller's valid, fully signed-in session."""
    try:
        info = await plinto.auth.verify_session(auth_token)
    except plinto.MfaError:
        raise HTTPException(status_code=401, detail="Authentication failed") from None
    if info.state == "mfa_pending":
        # A sign-in waiting for its MFA step authenticates nothing else.
        raise HTTPException(
            status_code=403,
            detail={
                "error": "MFA required",
                "requires_mfa": True,
                "available_methods": info.mfa_methods,
            },
        )
    if not info.valid or info.user is None:
        raise HTTPException(status_code=401, detail="Invalid or expired session")
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
        if not current_session.valid or current_session.state != "active":
            raise HTTPException(status_code=401, detail="Invalid or expired session")
        # Past the deadline to enroll, the session may only enroll a factor: every level
        # refuses it.
        enrollment = current_session.mfa_enrollment
        if enrollment is not None and enrollment.restricted:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA setup required",
                    "code": "mfa_setup_required",
                    "requires_mfa_setup": True,
                    "redirect_to": "/settings/security",
                },
            )
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


class StepUpRequirement:
    """A route dependency for a sensitive operation of the application (e.g.
    ``payment_method_add``): the engine's ``authorize``. Operations in
    ``security.step_up_required`` need a recent MFA verification on this session (or, on an
    account without MFA, a recent password check): 403 with ``step_up_required``, the
    ``methods`` that satisfy it and ``max_age``. Returns the :class:`~plinto.Authorization`.
    """

    operation: str

    def __init__(self, operation: str) -> None:
        self.operation = operation

    async def __call__(self, auth_token: str = Depends(get_session_token)) -> Authorization:
        try:
            return await plinto.auth.authorize(auth_token, self.operation)
        except plinto.StepUpRequiredError as e:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "Recent verification required",
                    "code": e.code,
                    "step_up_required": True,
                    "operation": self.operation,
                    "methods": e.methods,
                    "max_age": e.max_age,
                },
            ) from None
        except plinto.SessionInvalidError:
            raise HTTPException(status_code=401, detail="Invalid or expired session") from None
        except plinto.SetupRequiredError as e:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA setup required",
                    "code": e.code,
                    "requires_mfa_setup": True,
                    "redirect_to": "/settings/security",
                },
            ) from None

    def __repr__(self) -> str:
        return f"StepUpRequirement({self.operation!r})"
