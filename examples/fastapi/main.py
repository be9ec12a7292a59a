# main.py
# The guide's FastAPI example on Plinto MFA, with sign-up, sign-in and sign-out added.
# Run from this folder: uvicorn main:app --port 8000
# The database is PLINTO_DATABASE (default ./plinto.db); set PLINTO_SECRET_KEY in production.
from fastapi import FastAPI, HTTPException, Depends, Request
from fastapi.responses import JSONResponse, Response
from typing import Any, Awaitable, Callable, Dict, Optional, List
import os

import plinto
from plinto.fastapi import StepUpRequirement

from dependencies.auth import get_current_session, get_current_user, request_token
from dependencies.mfa import MfaLevel, MfaRequirement, require_admin_role, require_mfa_always
# Plinto: the wire format both examples share (examples/contract/openapi.json): camelCase JSON
# and one error shape; request models derive from Body instead of pydantic's BaseModel.
from dependencies.wire import Body as BaseModel, BodyLimit, WireJSONResponse, install, mfa_http_error, refuse

app = FastAPI(title="Plinto MFA example", default_response_class=WireJSONResponse)
install(app)

# Plinto: bodies are JSON of a few kilobytes; one over 2 MB (the Express example's limit) is
# refused as it arrives, chunked or not. Registered before the origin check, so that check
# (outer) runs first, as in the Express example.
app.add_middleware(BodyLimit, limit=2 * 1024 * 1024)


# Plinto: requests that change state must come from this site. A browser names the page that
# sent a request in Origin (or at least in Sec-Fetch-Site); a cross-site form or fetch is
# refused before any route runs, with or without the session cookie, so it cannot sign a user
# out, sign them in to another account, change their factors or use their session. Clients
# that are not browsers send neither header. ALLOWED_ORIGINS lists other origins of this app.
ALLOWED_ORIGINS = {o.strip() for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o.strip()}


@app.middleware("http")
async def same_site_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin is not None:
            same = origin == own or origin in ALLOWED_ORIGINS
        else:
            same = request.headers.get("sec-fetch-site") != "cross-site"
        if not same:
            return WireJSONResponse(
                status_code=403,
                content={"error": "Cross-site request refused", "code": "forbidden_origin"},
            )
    return await call_next(request)


def cookie_name(request: Request) -> str:
    # Plinto: `__Host-session` over https (the browser then insists on Secure, Path=/ and no
    # Domain); `session` on a plain-http development server.
    return "__Host-session" if request.url.scheme == "https" else "session"


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}  # as Starlette gives the host (no brackets)


def cookie_secure(request: Request) -> bool:
    # Plinto: the cookie is Secure, as the Express example sets it, except on a plain-http
    # development server on this machine (a Host of localhost or a loopback address, outside
    # production), where no client would send a Secure cookie back. Behind a proxy that ends
    # TLS but is not trusted for its headers, the scheme looks like http and the cookie is
    # still Secure, unless the proxy also rewrites Host to a loopback address (nginx's
    # `proxy_pass http://127.0.0.1:…` does): set PLINTO_ENV=production in any deployment.
    production = "production" in (os.environ.get("NODE_ENV"), os.environ.get("PLINTO_ENV"))
    development = request.url.scheme == "http" and request.url.hostname in LOOPBACK_HOSTS
    return production or not development


def client_of(request: Request) -> Dict[str, Optional[str]]:
    # Plinto: caller details for the audit log.
    return {
        "ip_address": request.client.host if request.client else None,
        "user_agent": request.headers.get("user-agent"),
    }


# Plinto: SMS and email codes go through the built-in senders when PLINTO_SMTP_* /
# PLINTO_TWILIO_* / PLINTO_SNS_* are set; otherwise, for development, they are printed on this
# console.
def console_sender(destination: str, message: str, meta: plinto.Record) -> None:
    print(f"[plinto] code for {destination}: {message}", flush=True)


if not os.environ.get("PLINTO_TWILIO_ACCOUNT_SID") and not os.environ.get("PLINTO_SNS_REGION"):
    plinto.auth_sync.mfa.set_sender("sms", console_sender)
if not os.environ.get("PLINTO_SMTP_HOST"):
    plinto.auth_sync.mfa.set_sender("email", console_sender)

class MfaSetupRequest(BaseModel):
    method: str
    phone_number: Optional[str] = None
    device_name: Optional[str] = None  # Plinto: the phone's name, for push
    label: Optional[str] = "MyApp"
    # Plinto: a code of an existing factor, when this session's MFA is not recent (step-up).
    confirmation_code: Optional[str] = None

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
    # Plinto: the factors, to list and remove them, and phones enrolled for push approvals.
    totp_devices: List[Dict[str, Any]] = []
    channels: List[Dict[str, Any]] = []
    push_devices: List[Dict[str, Any]] = []
    codes_suspended: bool = False

class BackupCodesRequest(BaseModel):
    password: str
    confirmation_code: Optional[str] = None  # Plinto: the step-up, when needed

class DisableRequest(BaseModel):
    # Plinto: in the body, never in the query string (which lands in access logs).
    password: str
    confirmation_code: str

class PasswordChange(BaseModel):
    current_password: str
    new_password: str
    confirmation_code: Optional[str] = None

class StepUpRequest(BaseModel):
    method: str
    code: str

class Credentials(BaseModel):
    email: str
    password: str

class UserCreate(BaseModel):
    # Plinto: no role here: the new user's role is never taken from the request.
    email: str
    password: str

class PaymentCreate(BaseModel):
    amount: Optional[int] = None  # Plinto: optional, as the Express example takes no body
    currency: str = "USD"

class RolloutChange(BaseModel):
    # Plinto: the administrators' rollout change; what is left out stays as it is.
    phase: Optional[str] = None
    percentage: Optional[int] = None
    prompt_locations: Optional[List[str]] = None


def session_response(
    request: Request, content: Dict[str, Any], session: plinto.Session, status_code: int = 200
) -> JSONResponse:
    response = WireJSONResponse(content=content, status_code=status_code)
    response.set_cookie(
        key=cookie_name(request),
        value=session.token,
        httponly=True,
        secure=cookie_secure(request),
        samesite="lax",
        path="/",
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
    except plinto.MfaError as error:
        raise mfa_http_error("Sign-up failed", error)  # Plinto: 409 already_exists, 400 invalid_input…

    return session_response(
        http,
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
    except plinto.MfaError as error:
        raise mfa_http_error("Sign-in failed", error)  # Plinto: 401 invalid_credentials, 429…

    if result.requires_mfa or result.session is None:
        # Complete with POST /api/auth/mfa/verify and this session_id.
        return result

    return session_response(http, result, result.session)

@app.post("/api/auth/signout")
async def sign_out(http: Request, auth_token: Optional[str] = Depends(request_token)) -> JSONResponse:
    if auth_token:
        try:
            await plinto.auth.sign_out(auth_token, **client_of(http))
        except plinto.MfaError:
            pass  # Plinto: signing out of an ended session still clears the cookie
    response = WireJSONResponse(content={"success": True})
    response.delete_cookie(key=cookie_name(http), httponly=True, secure=cookie_secure(http), samesite="lax", path="/")
    return response


# Plinto: the signed-in user's sessions: list them, end one, or end all the others.
@app.get("/api/auth/sessions")
async def list_sessions(
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> Dict[str, Any]:
    try:
        return {"sessions": await plinto.auth.list_sessions(current_user["id"], session_token=auth_token)}
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to list sessions", error)

@app.delete("/api/auth/sessions/{session_id}")
async def revoke_session(
    session_id: str, http: Request, current_user: Dict[str, Any] = Depends(get_current_user)
) -> Any:
    try:
        return await plinto.auth.revoke_session(current_user["id"], session_id, **client_of(http))
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to end the session", error)

@app.post("/api/auth/sessions/revoke-others")
async def revoke_other_sessions(
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> Any:
    try:
        return await plinto.auth.revoke_other_sessions(auth_token or "", **client_of(http))
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to end the other sessions", error)

# Plinto: a new password (the current one, plus a recent MFA check when MFA is on); the
# other sessions end.
@app.post("/api/auth/password")
async def change_password(
    request: PasswordChange,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> Any:
    try:
        return await plinto.auth.change_password(
            user_id=current_user["id"],
            current_password=request.current_password,
            new_password=request.new_password,
            session_token=auth_token,
            confirmation_code=request.confirmation_code,
            **client_of(http),
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to change the password", error)

# Plinto: a fresh MFA check on the signed-in session (step-up).
@app.post("/api/auth/mfa/step-up")
async def step_up(
    request: StepUpRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> Dict[str, Any]:
    try:
        result = await plinto.auth.verify_mfa(
            method=request.method, code=request.code, session_id=auth_token, **client_of(http)
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Step-up failed", error)
    if result.success:
        return {"success": True, "method": result.method}
    raise refused_code(result)


def refused_code(result: plinto.VerifyMfaResult, status: int = 401) -> HTTPException:
    # Plinto: a refused code, as the verify, step-up and security-key routes answer it: 429
    # (with Retry-After) when the core's persisted attempt limit locked the user out, else 401
    # with the attempts left, the enforced delay and the other methods to offer.
    if result.rate_limited:
        return HTTPException(
            status_code=429,
            detail={"error": "Too many attempts", "code": "mfa_rate_limited",
                    "attempts_remaining": 0, "retry_after": result.retry_after},
            headers={"Retry-After": str(result.retry_after)} if result.retry_after else None,
        )
    return HTTPException(
        status_code=status,
        detail={
            "error": "Invalid MFA code" if status == 401 else "Invalid security key response",
            "code": result.error,
            "attempts_remaining": result.attempts_remaining,
            "retry_after": result.retry_after,  # the enforced delay before the next attempt
            "fallback_methods": result.fallback_methods,
        },
    )

@app.post("/api/auth/mfa/setup")
async def setup_mfa(
    request: MfaSetupRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token)
) -> Dict[str, Any]:
    try:
        mfa_setup = await plinto.auth.enableMFA(
            user_id=current_user["id"],
            method=request.method,
            phone_number=request.phone_number,
            device_name=request.device_name,
            label=request.label,
            # Plinto: adding a factor is a step-up operation: this session (its recent MFA)
            # or a code of an existing factor.
            session_token=auth_token,
            confirmation_code=request.confirmation_code,
            **client_of(http)
        )

        return {
            "success": True,
            "qr_code_url": mfa_setup.qr_code_url,
            "secret": mfa_setup.secret,
            "backup_codes": mfa_setup.backup_codes,
            "destination": mfa_setup.destination,  # Plinto: where an SMS/email code went
            "expires_in": mfa_setup.expires_in,  # Plinto: how long it (or the push QR code) lasts
            "qr_code_data_url": mfa_setup.qr_code_data_url,
            "challenge_id": mfa_setup.challenge_id,  # Plinto: the push enrollment's id
        }
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to setup MFA", error)  # Plinto: 403 with the methods for a step-up


class ResendRequest(BaseModel):
    method: str
    session_id: Optional[str] = None
    step_up: bool = False


# Plinto: the guide's mfa.requestNewCode over HTTP. With a session_id it resends for a
# pending sign-in; without one, for a method the signed-in user is setting up, or with
# step_up for a step-up of the signed-in session.
@app.post("/api/auth/mfa/resend")
async def resend_code(
    request: ResendRequest, http: Request, token: Optional[str] = Depends(request_token)
) -> plinto.RequestCodeResult:
    user_id: Optional[str] = None
    session_id = request.session_id
    if not session_id:
        session = await plinto.auth.verify_session(token) if token else None
        if session is None or not session.valid or session.user is None:
            raise refuse("No authentication token", "session_invalid")
        if request.step_up:
            session_id = token
        else:
            user_id = session.user.id
    try:
        return await plinto.auth.mfa.request_new_code(
            session_id=session_id, user_id=user_id, method=request.method, **client_of(http)
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to send a new code", error)

@app.post("/api/auth/mfa/verify")
async def verify_mfa(
    request: MfaVerifyRequest,
    http: Request,
    auth_token: Optional[str] = Depends(request_token)
) -> Any:
    try:
        if not request.session_id:
            # Setup confirmation: the code is for the signed-in user's new method.
            current_user = await get_current_user(http, auth_token)
            result = await plinto.auth.verifyMFA(
                user_id=current_user["id"],
                method=request.method,
                code=request.code,
                session_token=auth_token,  # Plinto: kept when the new factor ends the others
                **client_of(http)
            )
        else:
            result = await plinto.auth.verifyMFA(
                session_id=request.session_id,
                method=request.method,
                code=request.code,
                **client_of(http)
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
            return session_response(http, content, result.session)
        else:
            raise refused_code(result)  # Plinto: 401 with the attempts left, or 429 locked out
    except HTTPException:
        raise
    except plinto.MfaError as error:
        raise mfa_http_error("MFA verification failed", error)  # Plinto: the status from its code

# Plinto: security keys and passkeys (WebAuthn). The page passes `public_key` to
# navigator.credentials.create() / .get() (PublicKeyCredential.parse*OptionsFromJSON) and
# posts the credential's toJSON() back with the challenge_id.
class PasskeyOptionsRequest(BaseModel):
    authenticator_type: Optional[str] = None  # "securityKey" (default) or "passkey"
    confirmation_code: Optional[str] = None  # the step-up for a new key, when needed

class PasskeyVerifyRequest(BaseModel):
    challenge_id: str
    credential: Dict[str, Any]
    name: Optional[str] = None

class PasskeyChallengeRequest(BaseModel):
    session_id: Optional[str] = None  # the pending sign-in; without it, a step-up of the session

class PasskeyAssertion(BaseModel):
    challenge_id: str
    credential: Dict[str, Any]
    session_id: Optional[str] = None


@app.post("/api/auth/mfa/webauthn/register/options")
async def passkey_register_options(
    http: Request,
    request: Optional[PasskeyOptionsRequest] = None,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token)
) -> plinto.PasskeyOptions:
    request = request or PasskeyOptionsRequest()
    try:
        return await plinto.auth.get_passkey_registration_options(
            user_id=current_user["id"],
            type="registration",
            authenticator_type=request.authenticator_type,
            session_token=auth_token,
            confirmation_code=request.confirmation_code,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)

@app.post("/api/auth/mfa/webauthn/register/verify")
async def passkey_register_verify(
    request: PasskeyVerifyRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token)
) -> Any:
    try:
        return await plinto.auth.verify_passkey_registration(
            challenge_id=request.challenge_id,
            credential=request.credential,
            user_id=current_user["id"],
            name=request.name,
            session_token=auth_token,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)

@app.post("/api/auth/mfa/webauthn/authenticate/options")
async def passkey_authenticate_options(
    http: Request,
    request: Optional[PasskeyChallengeRequest] = None,
    token: Optional[str] = Depends(request_token)
) -> plinto.PasskeyOptions:
    # A pending sign-in from the body, or the signed-in session (step-up).
    session_id = (request.session_id if request else None) or token
    if not session_id:
        raise refuse("No session", "session_invalid")
    try:
        return await plinto.auth.get_passkey_authentication_options(
            session_id,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)

@app.post("/api/auth/mfa/webauthn/authenticate/verify")
async def passkey_authenticate_verify(
    request: PasskeyAssertion,
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
        raise mfa_http_error("Security key request failed", error)
    if not result.success:
        raise refused_code(result, 400)  # Plinto: locked out (429) or refused (400)
    content = {"success": True, "user": result.user, "session": result.session}
    if result.session is None:
        return content
    return session_response(http, content, result.session)

# Plinto: push approvals with number matching. The sign-in page asks for a challenge (for the
# pending sign-in in `session_id`, or a step-up of the signed-in session), shows its number and
# polls its status; the approval completes the sign-in once, and the session cookie is set.
class PushChallengeBody(BaseModel):
    session_id: Optional[str] = None


class PushStatusBody(BaseModel):
    challenge_id: str
    session_id: Optional[str] = None


@app.post("/api/auth/mfa/push/challenge")
async def push_challenge(
    http: Request, body: Optional[PushChallengeBody] = None, token: Optional[str] = Depends(request_token)
) -> Any:
    session_id = (body.session_id if body else None) or token
    if not session_id:
        raise refuse("No session", "session_invalid")
    try:
        return await plinto.auth.mfa.push_challenge(
            session_id, app_name=os.environ.get("PLINTO_ISSUER"), **client_of(http)
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to send the push approval", error)


@app.post("/api/auth/mfa/push/status")
async def push_status(
    body: PushStatusBody, http: Request, token: Optional[str] = Depends(request_token)
) -> Any:
    session_id = body.session_id or token
    if not session_id:
        raise refuse("No session", "session_invalid")
    try:
        answer = await plinto.auth.mfa.push_status(body.challenge_id, session_id, **client_of(http))
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to read the push approval", error)
    result = answer.result
    content = {
        "status": answer.status,
        "expires_in": answer.expires_in,
        "success": bool(result and result.success),
        "user": result.user if result else None,
        "session": result.session if result else None,
        "code": result.error if result else None,
        "retry_after": result.retry_after if result else None,
        "fallback_methods": result.fallback_methods if result else None,
    }
    if result and result.success and result.session:
        return session_response(http, content, result.session)
    return content


# Plinto: the phone's routes (an authenticator app, not a browser): every request is signed by
# the device key, so none needs a session. Registration comes from the enrollment QR code.
class PushRegisterBody(BaseModel):
    registration: str


class PushPendingBody(BaseModel):
    request: str


class PushRespondBody(BaseModel):
    response: str


@app.post("/api/push/register")
async def push_register(body: PushRegisterBody, http: Request) -> Dict[str, Any]:
    try:
        return (await plinto.auth.mfa.register_push_device(body.registration, **client_of(http)))
    except plinto.MfaError as error:
        raise mfa_http_error("Registration failed", error)


@app.post("/api/push/pending")
async def push_pending(body: PushPendingBody, http: Request) -> Dict[str, Any]:
    try:
        return (await plinto.auth.mfa.push_pending(body.request, **client_of(http)))
    except plinto.MfaError as error:
        raise mfa_http_error("Poll failed", error)


@app.post("/api/push/respond")
async def push_respond(body: PushRespondBody, http: Request) -> Dict[str, Any]:
    try:
        return (await plinto.auth.mfa.push_respond(body.response, **client_of(http)))
    except plinto.MfaError as error:
        raise mfa_http_error("Answer failed", error)


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
            last_used=status.last_used,
            totp_devices=[d.to_dict() for d in status.totp_devices],
            channels=[c.to_dict() for c in status.channels],
            push_devices=[d.to_dict() for d in status.push_devices],
            codes_suspended=status.codes_suspended,
        )
    except Exception as error:
        raise HTTPException(
            status_code=500,
            detail={"error": "Failed to get MFA status", "code": "internal"}
        )

@app.post("/api/auth/mfa/disable")
async def disable_mfa(
    request: DisableRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token)
) -> Dict[str, Any]:
    try:
        # Verify password for security
        await plinto.auth.verify_password(
            user_id=current_user["id"],
            password=request.password
        )

        await plinto.auth.disableMFA(
            user_id=current_user["id"],
            confirmation_code=request.confirmation_code,
            session_token=auth_token,  # Plinto: this session stays; the others end
            **client_of(http)
        )

        return {"success": True, "message": "MFA disabled"}
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to disable MFA", error)

# Backup codes management
@app.post("/api/auth/mfa/backup-codes/regenerate")
async def regenerate_backup_codes(
    request: BackupCodesRequest,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token)
) -> Dict[str, Any]:
    try:
        # Verify password for security
        await plinto.auth.verify_password(
            user_id=current_user["id"],
            password=request.password
        )

        backup_codes = await plinto.auth.regenerateMFABackupCodes(
            user_id=current_user["id"],
            session_token=auth_token,  # Plinto: new codes are a step-up operation
            confirmation_code=request.confirmation_code,
            ip_address=http.client.host if http.client else None,
            user_agent=http.headers.get("user-agent")
        )

        return {
            "success": True,
            "codes": backup_codes.codes,
            "generated_at": backup_codes.generated_at
        }
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to regenerate backup codes", error)

class FactorRemoval(BaseModel):
    password: Optional[str] = None
    confirmation_code: Optional[str] = None


# Plinto: removing an authenticator device or an SMS/email destination (ids from the status):
# the password and a step-up; the last factor also needs a confirmation code.
@app.delete("/api/auth/mfa/factors/{factor_id}")
async def remove_factor(
    factor_id: str,
    http: Request,
    body: Optional[FactorRemoval] = None,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> plinto.RemoveFactorResult:
    body = body or FactorRemoval()
    try:
        return await plinto.auth.remove_factor(
            current_user["id"], factor_id, password=body.password, session_token=auth_token,
            confirmation_code=body.confirmation_code, **client_of(http),
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to remove the factor", error)


# Plinto: the signed-in user's security keys and passkeys, for the settings page: list them,
# rename one (the core trims the name and refuses an empty one or one over 128 bytes), remove
# one (the password; removing the last factor also needs a current code).
class PasskeyRename(BaseModel):
    name: str
    confirmation_code: Optional[str] = None


class PasskeyRemoval(BaseModel):
    password: str
    confirmation_code: Optional[str] = None


@app.get("/api/auth/mfa/webauthn/credentials")
async def list_passkeys(current_user: Dict[str, Any] = Depends(get_current_user)) -> Dict[str, Any]:
    try:
        return {"credentials": await plinto.auth.list_passkeys(current_user["id"])}
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)


@app.patch("/api/auth/mfa/webauthn/credentials/{credential_id}")
async def rename_passkey(
    credential_id: str,
    body: PasskeyRename,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> plinto.SuccessResult:
    try:
        return await plinto.auth.rename_passkey(
            current_user["id"], credential_id, body.name, session_token=auth_token,
            confirmation_code=body.confirmation_code, **client_of(http),
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)


@app.delete("/api/auth/mfa/webauthn/credentials/{credential_id}")
async def remove_passkey(
    credential_id: str,
    body: PasskeyRemoval,
    http: Request,
    current_user: Dict[str, Any] = Depends(get_current_user),
    auth_token: Optional[str] = Depends(request_token),
) -> plinto.RemoveFactorResult:
    try:
        return await plinto.auth.remove_passkey(
            current_user["id"], credential_id, password=body.password,
            confirmation_code=body.confirmation_code, session_token=auth_token, **client_of(http),
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Security key request failed", error)


# Usage in routes
@app.post("/api/admin/users")
async def create_user(
    user_data: UserCreate,
    http: Request,
    current_user: Dict[str, Any] = Depends(require_admin_role)  # Plinto: role, then MFA level
) -> JSONResponse:
    try:
        result = await plinto.auth.sign_up(user_data.email, user_data.password, role="user", **client_of(http))
        # The new user's session is theirs, not the administrator's.
        await plinto.auth.sign_out(result.session.token)
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to create the user", error)
    return WireJSONResponse(
        status_code=201, content={"success": True, "created_by": current_user["id"], "user": result.user}
    )

@app.post("/api/payments")
async def process_payment(
    payment_data: Optional[PaymentCreate] = None,
    current_user: Dict[str, Any] = Depends(require_mfa_always),
    authorization: plinto.Authorization = Depends(StepUpRequirement("payment_method_add"))
) -> Dict[str, Any]:
    return {"success": True, "paid_by": current_user["id"]}

# Plinto: the signed-in session as the web app sees it: its user and where they stand with
# enrolling a factor (the rollout's prompts and deadline). A session held to enrollment may
# call this, the setup, verify and status routes and sign-out; every other route answers it
# 403 mfa_setup_required (get_current_user, and MfaRequirement at every level).
@app.get("/api/auth/session")
async def current_session_view(
    current_session: plinto.SessionInfo = Depends(get_current_session),
) -> Dict[str, Any]:
    if current_session.state != "active":
        raise refuse("Invalid or expired session", "session_invalid")
    return {
        "user": current_session.user,
        "mfa_verified": current_session.mfa_verified,
        "mfa_enrollment": current_session.mfa_enrollment,
    }


async def require_rollout_admin(
    current_user: Dict[str, Any] = Depends(require_admin_role),
    current_session: plinto.SessionInfo = Depends(get_current_session),
    auth_token: Optional[str] = Depends(request_token),
) -> Dict[str, Any]:
    # Plinto: administrators' rollout routes: the admin role, MFA on this session, and an MFA
    # check within the last ten minutes (the core's require_recent_mfa).
    await require_mfa_always(current_user, current_session)
    try:
        await plinto.auth.require_recent_mfa(auth_token or "", 600)
    except plinto.MfaError as error:
        raise mfa_http_error("Recent verification required", error)
    return current_user


@app.get("/api/admin/rollout")
async def rollout_status(admin: Dict[str, Any] = Depends(require_rollout_admin)) -> Dict[str, Any]:
    try:
        return await plinto.auth.get_rollout()
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to read the rollout", error)


@app.post("/api/admin/rollout")
async def rollout_change(
    change: RolloutChange, request: Request, admin: Dict[str, Any] = Depends(require_rollout_admin)
) -> Dict[str, Any]:
    try:
        return await plinto.auth.set_rollout(
            phase=change.phase, percentage=change.percentage,
            prompt_locations=change.prompt_locations, **client_of(request),
        )
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to change the rollout", error)


@app.post("/api/admin/rollout/enforce")
async def rollout_enforce(
    request: Request, admin: Dict[str, Any] = Depends(require_rollout_admin)
) -> Dict[str, Any]:
    try:
        who = client_of(request)
        return await plinto.auth.enforce_rollout(ip_address=who["ip_address"], user_agent=who["user_agent"])
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to enforce the rollout", error)


@app.get("/api/admin/rollout/stats")
async def rollout_stats(
    days: Optional[int] = None, admin: Dict[str, Any] = Depends(require_rollout_admin)
) -> Dict[str, Any]:
    try:
        return await plinto.auth.get_rollout_stats(days=days)
    except plinto.MfaError as error:
        raise mfa_http_error("Failed to read the statistics", error)


@app.get("/api/profile")
async def profile(
    current_user: Dict[str, Any] = Depends(MfaRequirement(MfaLevel.OPTIONAL))
) -> Dict[str, Any]:
    return {"success": True, "user": current_user}


# Plinto: the other levels, so every MfaLevel can be exercised (as the Express example has).
@app.get("/api/reports")
async def reports(
    current_user: Dict[str, Any] = Depends(MfaRequirement(MfaLevel.OPTIONAL))
) -> Dict[str, Any]:
    return {"success": True}
