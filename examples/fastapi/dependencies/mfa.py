# dependencies/mfa.py
from fastapi import HTTPException, Depends
from enum import Enum
from typing import Any, Dict, Optional
import plinto

from dependencies.auth import get_current_session, get_current_user

class MfaLevel(str, Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"
    ADMIN_ONLY = "admin_only"

class MfaRequirement:
    def __init__(self, level: MfaLevel = MfaLevel.REQUIRED):
        self.level = level

    async def __call__(
        self,
        current_user: Dict[str, Any] = Depends(get_current_user),
        current_session: Dict[str, Any] = Depends(get_current_session)
    ) -> Dict[str, Any]:
        # Plinto: a session past its deadline to enroll never gets here: get_current_user
        # refuses it (mfa_setup_required) outside the enrollment routes.
        # Check if MFA is required based on level
        mfa_required = self._should_require_mfa(current_user, self.level)

        if not mfa_required:
            return current_user

        # Check if user has MFA enabled
        mfa_status = await plinto.auth.getMFAStatus(
            user_id=current_user["id"]
        )

        if not mfa_status.enabled:
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA required but not configured",
                    "requires_mfa_setup": True,
                    "redirect_to": "/settings/security"
                }
            )

        # Check if current session has MFA verified
        if not current_session.get("mfa_verified", False):
            raise HTTPException(
                status_code=403,
                detail={
                    "error": "MFA verification required",
                    "requires_mfa": True,
                    "session_id": current_session["id"],
                    "available_methods": mfa_status.methods
                }
            )

        return current_user

    def _should_require_mfa(self, user: Dict[str, Any], level: MfaLevel) -> bool:
        if level == MfaLevel.NONE:
            return False
        elif level == MfaLevel.OPTIONAL:
            return False  # Let through, but suggest MFA
        elif level == MfaLevel.REQUIRED:
            return True
        elif level == MfaLevel.ADMIN_ONLY:
            return user.get("role") in ["admin", "super_admin"]
        return False

# Plinto: authorization, apart from the MFA level. ADMIN_ONLY lets non-admins through the MFA
# check (it only says admins need MFA); an admin route must also check the role.
async def require_admin_role(
    current_user: Dict[str, Any] = Depends(MfaRequirement(MfaLevel.ADMIN_ONLY)),
) -> Dict[str, Any]:
    if current_user.get("role") not in ("admin", "super_admin"):
        raise HTTPException(
            status_code=403,
            detail={"error": "Administrator role required", "code": "forbidden_role"},
        )
    return current_user

# Usage in routes (the routes themselves are in main.py, where the app is)
require_mfa_admin = MfaRequirement(MfaLevel.ADMIN_ONLY)
require_mfa_always = MfaRequirement(MfaLevel.REQUIRED)
