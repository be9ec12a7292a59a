# main.py
# The guide's FastAPI example on Plinto MFA, with sign-up, sign-in and sign-out added.
# Run from this folder: uvicorn main:app --port 8000
# The database is PLINTO_DATABASE (default ./plinto.db); set PLINTO_SECRET_KEY in production.
from fastapi import FastAPI, HTTPException, Depends, Cookie, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel
from typing import Any, Dict, Optional, List
import os

import plinto

from dependencies.auth import get_current_session, get_current_user, request_token, security
from dependencies.mfa import MfaLevel, MfaRequirement, require_mfa_admin, require_mfa_always

app = FastAPI(title="Plinto MFA example")


# Plinto: SMS and email codes go through the built-in senders when PLINTO_SMTP_* /
# PLINTO_TWILIO_* are set; otherwise, for development, they are printed on this console.
def console_sender(destination: str, message: str, meta: plinto.Record) -> None:
    print(f"[plinto] code for {destination}: {message}", flush=True)


if not os.environ.get("PLINTO_TWILIO_ACCOUNT_SID"):
    plinto.auth_sync.mfa.set_sender("sms", console_sender)
if not os.environ.get("PLINTO_SMTP_HOST"):
    plinto.auth_sync.mfa.set_sender("email", console_sender)

class MfaSetupRequest(BaseModel):
    method: str
    phone_number: Optional[str] = None
    label: Optional[str] = "MyApp"

class MfaVerifyRequest(BaseModel):
    # Omitted to confirm a method being set up by the signed-in user.
    session_id: Optional[str] = None
    method: str
    code: str

class MfaStatusResponse(BaseModel):
    enabled: bool
    methods: List[str]
    backup_codes_remaining: int
    last_used: Optional[str]

class BackupCodesRequest(BaseModel):
    password: str

class Credentials(BaseModel):
    email: str
    password: str

class UserCreate(BaseModel):
    email: str
    password: str
    role: str = "user"

class PaymentCreate(BaseModel):
    amount: int
    currency: str = "USD"


def session_response(content: Dict[str, Any], session: plinto.Session, status_code: int = 200) -> JSONResponse:
    response = JSONResponse(content=content, status_code=status_code)
    response.set_cookie(
        key="session",
        value=session.token,
        httponly=True,
        secure=True,
        samesite="lax",
        max_age=session.expires_in
    )
    return response


@app.post("/api/auth/signup")
async def sign_up(credentials: Credentials, http: Request) -> JSONResponse:
    try:
        result = await plinto.auth.sign_up(
            email=credentials.email,
            password=credentials.password,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.AlreadyExistsError:
        raise HTTPException(status_code=409, detail="An account with this email already exists")
    except plinto.InvalidInputError as error:
        raise HTTPException(status_code=400, detail={"error": error.message, "field": error.field})

    return session_response(
        {"success": True, "user": result.user, "session": result.session},
        result.session,
        status_code=201
    )

@app.post("/api/auth/signin")
async def sign_in(credentials: Credentials, http: Request) -> Any:
    try:
        result = await plinto.auth.sign_in(
            email=credentials.email,
            password=credentials.password,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.InvalidCredentialsError:
        raise HTTPException(status_code=401, detail="Invalid email or password")
    except plinto.InvalidInputError as error:
        raise HTTPException(status_code=400, detail={"error": error.message, "field": error.field})

    if result.requires_mfa or result.session is None:
        # Complete with POST /api/auth/mfa/verify and this session_id.
        return {
            "success": True,
            "requires_mfa": True,
            "session_id": result.session_id,
            "mfa_methods": result.mfa_methods,
            "expires_in": result.expires_in
        }

    return session_response(
        {"success": True, "requires_mfa": False, "user": result.user, "session": result.session},
        result.session
    )

@app.post("/api/auth/signout")
async def sign_out(
    session: Optional[str] = Cookie(None),
    token: Optional[HTTPAuthorizationCredentials] = Depends(security)
) -> JSONResponse:
    auth_token = session or (token.credentials if token else None)
    if auth_token:
        await plinto.auth.sign_out(auth_token)
    response = JSONResponse(content={"success": True})
    response.delete_cookie(key="session", httponly=True, secure=True, samesite="lax")
    return response

@app.post("/api/auth/mfa/setup")
async def setup_mfa(
    request: MfaSetupRequest,
    current_user: Dict[str, Any] = Depends(get_current_user)
) -> Dict[str, Any]:
    try:
        mfa_setup = await plinto.auth.enableMFA(
            user_id=current_user["id"],
            method=request.method,
            phone_number=request.phone_number,
            label=request.label
        )

        return {
            "success": True,
            "qr_code_url": mfa_setup.qr_code_url,
            "secret": mfa_setup.secret,
            "backup_codes": mfa_setup.backup_codes,
            "destination": mfa_setup.destination,  # Plinto: where an SMS/email code went
            "expires_in": mfa_setup.expires_in,  # Plinto: how long it lasts
        }
    except Exception as error:
        raise HTTPException(
            status_code=400,
            detail=f"Failed to setup MFA: {str(error)}"
        )


class ResendRequest(BaseModel):
    method: str
    session_id: Optional[str] = None


# Plinto: the guide's mfa.requestNewCode over HTTP. With a session_id it resends for a
# pending sign-in; without one, for a method the signed-in user is setting up.
@app.post("/api/auth/mfa/resend")
async def resend_code(request: ResendRequest, token: Optional[str] = Depends(request_token)) -> Dict[str, Any]:
    user_id: Optional[str] = None
    if not request.session_id:
        session = await plinto.auth.verify_session(token) if token else None
        if session is None or not session.valid or session.user is None:
            raise HTTPException(status_code=401, detail="No authentication token")
        user_id = session.user.id
    try:
        result = await plinto.auth.mfa.request_new_code(
            session_id=request.session_id, user_id=user_id, method=request.method
        )
        return result.to_dict()
    except plinto.RateLimitedError as error:
        raise HTTPException(status_code=429, detail={"error": str(error), "retry_after": error.retry_after})
    except plinto.MfaError as error:
        status = 503 if error.code == "mfa_delivery_failed" else 400
        raise HTTPException(status_code=status, detail={"error": str(error), "code": error.code})

@app.post("/api/auth/mfa/verify")
async def verify_mfa(
    request: MfaVerifyRequest,
    session: Optional[str] = Cookie(None),
    token: Optional[HTTPAuthorizationCredentials] = Depends(security)
) -> Any:
    try:
        if request.session_id is None:
            # Setup confirmation: the code is for the signed-in user's new method.
            current_user = await get_current_user(session, token)
            result = await plinto.auth.verifyMFA(
                user_id=current_user["id"],
                method=request.method,
                code=request.code
            )
        else:
            result = await plinto.auth.verifyMFA(
                session_id=request.session_id,
                method=request.method,
                code=request.code
            )

        if result.success and result.session is None:
            # The method is now active; backup codes are shown once.
            return {
                "success": True,
                "user": result.user,
                "backup_codes": result.backup_codes
            }
        elif result.success and result.session is not None:
            content = {
                "success": True,
                "user": result.user,
                "session": result.session
            }

            # Set session cookie
            response = JSONResponse(content=content)
            response.set_cookie(
                key="session",
                value=result.session.token,
                httponly=True,
                secure=True,
                samesite="lax",
                max_age=result.session.expires_in
            )
            return response
        elif result.rate_limited:
            raise HTTPException(
                status_code=429,
                detail={
                    "error": "Too many attempts",
                    "retry_after": result.retry_after
                },
                headers={"Retry-After": str(result.retry_after or 0)}
            )
        else:
            raise HTTPException(
                status_code=401,
                detail={
                    "error": "Invalid MFA code",
                    "attempts_remaining": result.attempts_remaining
                }
            )
    except HTTPException:
        raise
    except plinto.RateLimitedError as error:
        raise HTTPException(
            status_code=429,
            detail={"error": "Too many attempts", "retry_after": error.retry_after},
            headers={"Retry-After": str(error.retry_after or 0)}
        )
    except Exception as error:
        raise HTTPException(
            status_code=400,
            detail=f"MFA verification failed: {str(error)}"
        )

# Plinto: security keys and passkeys (WebAuthn). The page passes `public_key` to
# navigator.credentials.create() / .get() (PublicKeyCredential.parse*OptionsFromJSON) and
# posts the credential's toJSON() back with the challenge_id.
class PasskeyOptionsRequest(BaseModel):
    authenticator_type: Optional[str] = None  # "securityKey" (default) or "passkey"
    session_id: Optional[str] = None  # the pending sign-in (authentication only)

class PasskeyVerifyRequest(BaseModel):
    challenge_id: str
    credential: Dict[str, Any]
    name: Optional[str] = None
    session_id: Optional[str] = None


def webauthn_error(error: plinto.MfaError) -> HTTPException:
    statuses = {"session_invalid": 401, "not_found": 404, "mfa_rate_limited": 429}
    status = statuses.get(error.code, 400)
    return HTTPException(
        status_code=status,
        detail={"error": error.message, "code": error.code, "field": error.field},
        headers={"Retry-After": str(error.retry_after)} if error.retry_after else None
    )


@app.post("/api/auth/mfa/webauthn/register/options")
async def passkey_register_options(
    request: PasskeyOptionsRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user)
) -> plinto.PasskeyOptions:
    try:
        return await plinto.auth.get_passkey_registration_options(
            user_id=current_user["id"],
            type="registration",
            authenticator_type=request.authenticator_type,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise webauthn_error(error)

@app.post("/api/auth/mfa/webauthn/register/verify")
async def passkey_register_verify(
    request: PasskeyVerifyRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user)
) -> Any:
    try:
        return await plinto.auth.verify_passkey_registration(
            challenge_id=request.challenge_id,
            credential=request.credential,
            user_id=current_user["id"],
            name=request.name,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise webauthn_error(error)

@app.post("/api/auth/mfa/webauthn/authenticate/options")
async def passkey_authenticate_options(
    request: PasskeyOptionsRequest,
    http: Request,
    token: Optional[str] = Depends(request_token)
) -> plinto.PasskeyOptions:
    # A pending sign-in from the body, or the signed-in session (step-up).
    session_id = request.session_id or token
    if not session_id:
        raise HTTPException(status_code=401, detail="No session")
    try:
        return await plinto.auth.get_passkey_authentication_options(
            session_id,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise webauthn_error(error)

@app.post("/api/auth/mfa/webauthn/authenticate/verify")
async def passkey_authenticate_verify(
    request: PasskeyVerifyRequest,
    http: Request,
    token: Optional[str] = Depends(request_token)
) -> Any:
    try:
        result = await plinto.auth.verify_passkey_authentication(
            challenge_id=request.challenge_id,
            credential=request.credential,
            session_id=request.session_id or token,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise webauthn_error(error)
    if result.rate_limited:
        raise HTTPException(
            status_code=429,
            detail={"error": "Too many attempts", "retry_after": result.retry_after},
            headers={"Retry-After": str(result.retry_after or 0)}
        )
    if not result.success:
        raise HTTPException(
            status_code=400,
            detail={"error": "Invalid security key response", "attempts_remaining": result.attempts_remaining}
        )
    content = {"success": True, "user": result.user, "session": result.session}
    if result.session is None:
        return content
    return session_response(content, result.session)

@app.get("/api/auth/mfa/status", response_model=MfaStatusResponse)
async def get_mfa_status(current_user: Dict[str, Any] = Depends(get_current_user)) -> MfaStatusResponse:
    try:
        status = await plinto.auth.getMFAStatus(
            user_id=current_user["id"]
        )

        return MfaStatusResponse(
            enabled=status.enabled,
            methods=status.methods,
            backup_codes_remaining=status.backup_codes_remaining,
            last_used=status.last_used
        )
    except Exception as error:
        raise HTTPException(
            status_code=500,
            detail="Failed to get MFA status"
        )

@app.post("/api/auth/mfa/disable")
async def disable_mfa(
    password: str,
    confirmation_code: str,
    current_user: Dict[str, Any] = Depends(get_current_user)
) -> Dict[str, Any]:
    try:
        # Verify password for security
        await plinto.auth.verify_password(
            user_id=current_user["id"],
            password=password
        )

        await plinto.auth.disableMFA(
            user_id=current_user["id"],
            confirmation_code=confirmation_code
        )

        return {"success": True, "message": "MFA disabled"}
    except Exception as error:
        raise HTTPException(
            status_code=400,
            detail=f"Failed to disable MFA: {str(error)}"
        )

# Backup codes management
@app.post("/api/auth/mfa/backup-codes/regenerate")
async def regenerate_backup_codes(
    request: BackupCodesRequest,
    current_user: Dict[str, Any] = Depends(get_current_user)
) -> Dict[str, Any]:
    try:
        # Verify password for security
        await plinto.auth.verify_password(
            user_id=current_user["id"],
            password=request.password
        )

        backup_codes = await plinto.auth.regenerateMFABackupCodes(
            user_id=current_user["id"]
        )

        return {
            "success": True,
            "codes": backup_codes.codes,
            "generated_at": backup_codes.generated_at
        }
    except Exception as error:
        raise HTTPException(
            status_code=400,
            detail=f"Failed to regenerate backup codes: {str(error)}"
        )

# Usage in routes
@app.post("/api/admin/users")
async def create_user(
    user_data: UserCreate,
    current_user: Dict[str, Any] = Depends(require_mfa_admin)
) -> Dict[str, Any]:
    try:
        result = await plinto.auth.sign_up(user_data.email, user_data.password, role=user_data.role)
    except plinto.MfaError as error:
        raise HTTPException(status_code=400, detail=error.to_dict())
    return {"success": True, "user": result.user}

@app.post("/api/payments")
async def process_payment(
    payment_data: PaymentCreate,
    current_user: Dict[str, Any] = Depends(require_mfa_always)
) -> Dict[str, Any]:
    return {"success": True, "amount": payment_data.amount, "currency": payment_data.currency}

@app.get("/api/profile")
async def profile(
    current_user: Dict[str, Any] = Depends(MfaRequirement(MfaLevel.OPTIONAL))
) -> Dict[str, Any]:
    return {"user": current_user}
