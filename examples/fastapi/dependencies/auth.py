# dependencies/auth.py
# The guide's authentication dependency, in its own module so main.py and
# dependencies/mfa.py can both use it (the guide defined it after the routes that use it).
from typing import Any, Dict, Optional

from fastapi import Cookie, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

import plinto

# auto_error=False: a request may carry the session in the cookie instead of the header.
security = HTTPBearer(auto_error=False)


# Plinto: the session token of the request: the session cookie, else the Bearer header. Over
# https only the `__Host-session` cookie counts (a plain `session` cookie could have been
# planted by a sibling subdomain).
def request_token(
    request: Request,
    host_session: Optional[str] = Cookie(None, alias="__Host-session"),
    session: Optional[str] = Cookie(None),
    token: Optional[HTTPAuthorizationCredentials] = Depends(security),
) -> Optional[str]:
    cookie = host_session if request.url.scheme == "https" else session
    return cookie or (token.credentials if token else None)


# Plinto: the routes a session held to enrollment (past its deadline) may use.
ENROLLMENT_ROUTES = {
    "/api/auth/session",
    "/api/auth/mfa/setup",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/status",
    "/api/auth/mfa/webauthn/register/options",
    "/api/auth/mfa/webauthn/register/verify",
}


# Authentication dependency
async def get_current_user(
    request: Request,
    auth_token: Optional[str] = Depends(request_token),
) -> Dict[str, Any]:

    if not auth_token:
        raise HTTPException(
            status_code=401,
            detail={"error": "No authentication token", "code": "session_invalid"}
        )

    try:
        session_data = await plinto.auth.verify_session(auth_token)

        if not session_data.valid or session_data.user is None:
            raise HTTPException(
                status_code=401,
                detail={"error": "Invalid or expired session", "code": "session_invalid"}
            )

        # Check if MFA is required but not completed
        if session_data.requires_mfa and not session_data.mfa_completed:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA required",
                    "requires_mfa": True,
                    "session_id": session_data.id,
                    "available_methods": session_data.mfa_methods
                }
            )

        # Plinto: past the deadline to enroll, the session reaches only what enrolling needs.
        enrollment = session_data.mfa_enrollment
        if enrollment is not None and enrollment.restricted and request.url.path not in ENROLLMENT_ROUTES:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA setup required",
                    "code": "mfa_setup_required",
                    "requires_mfa_setup": True,
                    "redirect_to": "/settings/security"
                }
            )

        return session_data.user
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(
            status_code=401,
            detail={"error": "Authentication failed", "code": "session_invalid"}
        )


# The session behind the current request (used by MfaRequirement).
async def get_current_session(
    auth_token: Optional[str] = Depends(request_token),
) -> Dict[str, Any]:

    if not auth_token:
        raise HTTPException(status_code=401, detail={"error": "No authentication token", "code": "session_invalid"})

    try:
        session_data = await plinto.auth.verify_session(auth_token)
    except Exception:
        raise HTTPException(status_code=401, detail={"error": "Authentication failed", "code": "session_invalid"})

    if not session_data.valid:
        raise HTTPException(status_code=401, detail={"error": "Invalid or expired session", "code": "session_invalid"})

    return session_data
