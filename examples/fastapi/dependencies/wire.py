# dependencies/wire.py
# Plinto: the example's wire format, the one HTTP contract both examples serve
# (examples/contract/openapi.json): JSON keys in camelCase, as the core and the Express example
# name them, while the Python code keeps snake_case; and every error as one flat object,
# {error, code, details?, field?, retryAfter?, methods?, maxAge?, ...}, never FastAPI's
# {"detail": ...} envelope or its 422 validation answers.
import json
from typing import Any, Dict, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException

import plinto

# Keys whose values are passed through untouched: WebAuthn options for the browser's
# PublicKeyCredential.parse*OptionsFromJSON, which the core already writes as JSON.
VERBATIM = frozenset({"public_key", "publicKey"})


def camel(name: str) -> str:
    """`retry_after` → `retryAfter`, `methods.totp.max_attempts` → `methods.totp.maxAttempts`;
    names without an underscore are kept as they are."""
    return ".".join(to_camel(part) if "_" in part else part for part in name.split("."))


def to_wire(value: Any) -> Any:
    """A route's result (dicts, records, lists) with every key camelCase."""
    if isinstance(value, dict):
        return {camel(str(k)): (v if k in VERBATIM else to_wire(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


class WireJSONResponse(JSONResponse):
    """JSON with camelCase keys: the app's default response class."""

    def render(self, content: Any) -> bytes:
        return json.dumps(to_wire(content), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Body(BaseModel):
    """Request bodies: camelCase on the wire (snake_case accepted too), snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


def mfa_http_error(what: str, error: plinto.MfaError) -> HTTPException:
    """The core's error as an HTTP answer: the status the core gives its code, the body in the
    contract's shape. The server's own failures (5xx other than a failed delivery, and any
    error without a status) are logged, not described."""
    status = error.status or 500
    ours = status >= 500 and error.code != "mfa_delivery_failed"
    if ours:
        print(f"[plinto] {what}: {error.code}: {error}", flush=True)
        return HTTPException(status_code=status, detail={"error": what, "code": error.code if error.status else "internal"})
    field = camel(error.field) if error.field else None
    # The message names the field as the request does (camelCase), as the Express example's.
    details = f"Invalid {field}: {error.reason}" if field and error.reason else error.message
    body: Dict[str, Any] = {"error": what, "code": error.code, "details": details}
    for key, value in (("field", field), ("retryAfter", error.retry_after),
                       ("methods", error.methods), ("maxAge", error.max_age)):
        if value is not None:
            body[key] = value
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return HTTPException(status_code=status, detail=body, headers=headers)


class BodyTooLarge(HTTPException):
    """A request body past the limit, found while it is read."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail={"error": "Invalid request", "code": "invalid_input",
                                                  "details": "The body is too large"})


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes is 413 invalid_input, from its Content-Length
    before it is read, or, sent chunked, as soon as the bytes read pass the limit (the route's
    body parsing then fails with BodyTooLarge, answered by the HTTPException handler)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await WireJSONResponse(status_code=413, content=BodyTooLarge().detail)(scope, receive, send)
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)


def refuse(message: str, code: str, status: int = 401, **extra: Any) -> HTTPException:
    """An answer of the example's own (no session, wrong role...), in the same shape."""
    return HTTPException(status_code=status, detail={"error": message, "code": code, **extra})


def _field_of(loc: Any) -> Optional[str]:
    names = [part for part in loc if isinstance(part, str) and part not in ("body", "query", "path")]
    return camel(names[-1]) if names else None


def install(app: FastAPI) -> None:
    """The error handlers that keep every answer in the contract's shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # No route for the path, or not for this method: 404 not_found, as Express answers both.
        if exc.status_code in (404, 405) and not isinstance(exc.detail, dict):
            return WireJSONResponse(status_code=404, content={"error": "Not found", "code": "not_found"})
        body = exc.detail if isinstance(exc.detail, dict) else {"error": str(exc.detail)}
        return WireJSONResponse(status_code=exc.status_code, content=body, headers=exc.headers)

    @app.exception_handler(plinto.MfaError)
    async def core_error(request: Request, exc: plinto.MfaError) -> JSONResponse:
        # What a route did not map itself still gets the status of its code.
        mapped = mfa_http_error("Request failed", exc)
        return WireJSONResponse(status_code=mapped.status_code, content=mapped.detail, headers=mapped.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A missing or mistyped field is the core's invalid_input naming it; a body that is not
        # JSON says so.
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            body: Dict[str, Any] = {"error": "Invalid request", "code": "invalid_input", "details": "The body is not valid JSON"}
        else:
            field = _field_of(first.get("loc", ()))
            body = {"error": "Invalid request", "code": "invalid_input", "details": first.get("msg", "invalid request")}
            if field:
                body["field"] = field
        return WireJSONResponse(status_code=400, content=body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        print(f"[plinto] unhandled error: {exc!r}", flush=True)
        return WireJSONResponse(status_code=500, content={"error": "Internal error", "code": "internal"})
