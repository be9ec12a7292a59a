"""The Python face of the engine: :class:`Plinto` with its ``auth`` (async) and
``auth_sync`` (blocking) namespaces.

Invariants:

* Arguments are sent to the engine as JSON exactly as given (after dropping ``None``), so
  type checks happen once, in the engine, naming the argument; values JSON cannot carry
  (bytes, objects, NaN) are refused here with the same ``invalid_input`` error.
* Async methods run the blocking call with :func:`asyncio.to_thread`, and the native call
  releases the GIL, so the event loop keeps running while passwords hash.
* The native engine is opened per process: a child created by ``os.fork()`` opens its own
  and never touches the one it inherited.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import os
import threading
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Type,
    TypeVar,
    Union,
)

from . import _native
from .errors import InvalidInputError, error_from_json
from .types import (
    AuditEvent,
    BackupCodes,
    ConfigureResult,
    DisableMfaResult,
    EnableMfaResult,
    MfaLevel,
    MfaStatus,
    PasskeyInfo,
    PasskeyOptions,
    PasskeyRegistrationResult,
    Record,
    RemovePasskeyResult,
    RequestCodeResult,
    SessionInfo,
    SignInResult,
    SignUpResult,
    SuccessResult,
    User,
    VerifyMfaResult,
)

__all__ = ["AsyncAuth", "AsyncMfa", "Plinto", "Sender", "SyncAuth", "SyncMfa"]

R = TypeVar("R", bound=Record)
T = TypeVar("T")

#: An application sender for SMS or email codes: ``sender(destination, message, meta)``,
#: a plain function or a coroutine function. Raising, or running past the engine's
#: ``delivery.timeout_seconds`` (10), fails the send with ``mfa_delivery_failed``.
Sender = Callable[[str, str, Record], Any]


async def _awaited(value: Any) -> Any:
    return await value


def _run_sender(sender: Sender, delivery: Mapping[str, Any]) -> Optional[str]:
    """Runs ``sender`` for one delivery within its timeout, in a daemon thread (a coroutine
    gets its own event loop there). Returns why it failed, or None."""
    timeout_ms = int(delivery.get("timeoutMs", 10_000))
    outcome: Dict[str, Optional[str]] = {"error": "the sender did not finish"}
    done = threading.Event()
    meta = Record.from_json(delivery.get("meta", {}))

    def work() -> None:
        try:
            result = sender(str(delivery["destination"]), str(delivery["message"]), meta)
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))
            outcome["error"] = None
        except BaseException as e:  # the application's code: any failure fails the send
            outcome["error"] = str(e) or type(e).__name__
        finally:
            done.set()

    threading.Thread(target=work, name="plinto-send", daemon=True).start()
    if not done.wait(timeout_ms / 1000):
        return f"timed out after {timeout_ms} ms"
    return outcome["error"]

# Engines inherited through fork(): kept referenced so they are never dropped (and their
# SQLite handles never closed) in the child.
_inherited: List[Any] = []


def _encode(args: Mapping[str, Any]) -> str:
    """JSON object of the arguments that are not None; an argument JSON cannot carry is an
    ``invalid_input`` error naming it."""
    parts = []
    for name, value in args.items():
        if value is None:
            continue
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError, RecursionError):
            raise InvalidInputError(
                f"Invalid {name}: a {type(value).__name__} value cannot be used here",
                field=name,
            ) from None
        parts.append(f"{json.dumps(name)}:{text}")
    return "{" + ",".join(parts) + "}"


def _merge(base: Dict[str, Any], patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            _merge(current, value)
        else:
            base[key] = value


class Plinto:
    """One Plinto MFA engine over one SQLite database.

    ``database`` defaults to ``PLINTO_DATABASE`` (else ``./plinto.db``) and ``secret_key``
    (64 hex digits, base64, or 32 bytes) to ``PLINTO_SECRET_KEY``; without either key a
    development key file is kept beside the database. ``issuer`` is shown by authenticator
    apps. Other keyword arguments are ``configure()`` options (``rate_limiting={...}``,
    ``backup_codes={...}``, ``sessions={...}``, ``password={...}``, ``methods={...}``).
    """

    auth: AsyncAuth
    auth_sync: SyncAuth

    def __init__(
        self,
        database: Union[str, os.PathLike[str], None] = None,
        secret_key: Union[str, bytes, None] = None,
        issuer: Optional[str] = None,
        senders: Optional[Mapping[str, Sender]] = None,
        **configure_options: Any,
    ) -> None:
        self._senders: Dict[str, Sender] = {}
        for channel, sender in (senders or {}).items():
            self.set_sender(channel, sender)
        options: Dict[str, Any] = dict(configure_options)
        if database is not None:
            options["database"] = (
                os.fspath(database) if isinstance(database, os.PathLike) else database
            )
        if isinstance(secret_key, (bytes, bytearray)):
            options["secret_key"] = bytes(secret_key).hex()
        elif secret_key is not None:
            options["secret_key"] = secret_key
        if issuer is not None:
            options["issuer"] = issuer
        self._options = _encode(options)
        self._database = options.get("database")
        self._configured: List[str] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._engine = self._open()
        self.auth_sync = SyncAuth(self)
        self.auth = AsyncAuth(self.auth_sync)

    def __repr__(self) -> str:
        where = self._database if isinstance(self._database, str) else "environment"
        return f"Plinto(database={where!r})"

    def _open(self) -> Any:
        try:
            engine = _native.NativeEngine(self._options)
            for options in self._configured:
                engine.call("configure", options)
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        return engine

    def _native_engine(self) -> Any:
        pid = os.getpid()
        if pid == self._pid:
            return self._engine
        with self._lock:
            if self._pid != pid:
                # A fork()ed child: open our own engine; never use or drop the parent's.
                # (An in-memory database cannot be reopened, so it is kept.)
                if self._database != ":memory:":
                    _inherited.append(self._engine)
                    self._engine = self._open()
                self._pid = pid
            return self._engine

    def _call(self, op: str, args: Mapping[str, Any]) -> Any:
        """Runs operation ``op`` (blocking) and returns its decoded JSON result."""
        payload = _encode(args)
        try:
            text = self._native_engine().call(op, payload)
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        return json.loads(text)

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms`` or ``email``; it
        takes precedence over the built-in SMTP and Twilio senders."""
        if channel not in ("sms", "email"):
            raise InvalidInputError("Invalid channel: must be sms or email", field="channel")
        if sender is None:
            self._senders.pop(channel, None)
        elif not callable(sender):
            raise InvalidInputError("Invalid sender: must be callable", field="sender")
        else:
            self._senders[channel] = sender

    def _call_sending(self, op: str, args: Mapping[str, Any]) -> Any:
        """Runs an operation that may send a code. With an application sender for the
        method's channel, the engine hands the message back; it is sent here and the outcome
        reported to the engine, which voids the code if the send failed."""
        method = args.get("method")
        sender = self._senders.get(method) if isinstance(method, str) else None
        if sender is None:
            result = self._call(op, args)
        else:
            result = self._call(op, {**args, "external_delivery": True})
        delivery = result.pop("delivery", None) if isinstance(result, dict) else None
        if sender is not None and delivery:
            reason = _run_sender(sender, delivery)
            self._call(
                "complete_delivery",
                {"delivery_id": delivery["id"], "ok": reason is None, "reason": reason},
            )
        return result

    def _configure(self, options: Mapping[str, Any]) -> ConfigureResult:
        payload = _encode(options)
        try:
            text = self._native_engine().call("configure", payload)
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        # Replayed when a fork()ed child opens its own engine.
        self._configured.append(payload)
        return ConfigureResult.from_json(json.loads(text))


def _context(ip_address: Optional[str], user_agent: Optional[str]) -> Dict[str, Any]:
    return {"ip_address": ip_address, "user_agent": user_agent}


class SyncAuth:
    """Every operation, blocking the calling thread (use from sync code or worker threads).

    The guide's camelCase names (``enableMFA``, ``verifyMFA``, ...) are aliases.
    """

    mfa: SyncMfa

    def __init__(self, client: Plinto) -> None:
        self._client = client
        self.mfa = SyncMfa(self)

    def _run(self, op: str, result: Type[R], args: Mapping[str, Any]) -> R:
        return result.from_json(self._client._call(op, args))

    def sign_up(
        self,
        email: str,
        password: str,
        *,
        role: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignUpResult:
        """Creates a user (argon2id password hash) and signs them in."""
        args = {"email": email, "password": password, "role": role}
        return self._run("sign_up", SignUpResult, {**args, **_context(ip_address, user_agent)})

    def sign_in(
        self,
        email: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SignInResult:
        """Checks email and password: a session, or ``requires_mfa`` with ``session_id``."""
        args = {"email": email, "password": password}
        return self._run("sign_in", SignInResult, {**args, **_context(ip_address, user_agent)})

    def sign_out(
        self,
        token: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult:
        """Ends a session; ``success`` tells whether it existed."""
        args = {"token": token, **_context(ip_address, user_agent)}
        return self._run("sign_out", SuccessResult, args)

    def verify_session(self, token: str) -> SessionInfo:
        """Describes a session token; unknown or expired tokens give ``valid=False``."""
        return self._run("verify_session", SessionInfo, {"token": token})

    def verify_password(
        self,
        user_id: str,
        password: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> SuccessResult:
        """Checks a user's password; wrong raises :class:`InvalidCredentialsError`, repeated
        failures lock like wrong codes do."""
        args = {"user_id": user_id, "password": password}
        return self._run(
            "verify_password", SuccessResult, {**args, **_context(ip_address, user_agent)}
        )

    def delete_user(self, user_id: str) -> SuccessResult:
        """Deletes a user and everything that belongs to them."""
        return self._run("delete_user", SuccessResult, {"user_id": user_id})

    def get_user(self, user_id: str) -> User:
        """The public view of a user."""
        return self._run("get_user", User, {"user_id": user_id})

    def enable_mfa(
        self,
        user_id: str,
        method: str,
        *,
        label: Optional[str] = None,
        device_name: Optional[str] = None,
        phone_number: Optional[str] = None,
        email: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> EnableMfaResult:
        """Starts setting up a method; confirm it with :meth:`verify_mfa` and ``user_id``."""
        args = {
            "user_id": user_id,
            "method": method,
            "label": label,
            "device_name": device_name,
            "phone_number": phone_number,
            "email": email,
        }
        result = self._client._call_sending(
            "enable_mfa", {**args, **_context(ip_address, user_agent)}
        )
        return EnableMfaResult.from_json(result)

    def verify_mfa(
        self,
        *,
        method: str,
        code: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        challenge_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult:
        """Checks an MFA code: completes sign-in (``session_id`` from sign-in), refreshes a
        session's MFA time (``session_id`` = its token) or confirms setup (``user_id``)."""
        args = {
            "method": method,
            "code": code,
            "session_id": session_id,
            "user_id": user_id,
            "challenge_id": challenge_id,
        }
        return self._run(
            "verify_mfa", VerifyMfaResult, {**args, **_context(ip_address, user_agent)}
        )

    def get_mfa_status(self, user_id: str) -> MfaStatus:
        """A user's MFA state."""
        return self._run("get_mfa_status", MfaStatus, {"user_id": user_id})

    def disable_mfa(
        self,
        user_id: str,
        confirmation_code: str,
        password: Optional[str] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> DisableMfaResult:
        """Turns MFA off: needs a current TOTP or backup code and the password (or a
        :meth:`verify_password` in the last five minutes)."""
        args = {
            "user_id": user_id,
            "confirmation_code": confirmation_code,
            "password": password,
        }
        return self._run(
            "disable_mfa", DisableMfaResult, {**args, **_context(ip_address, user_agent)}
        )

    def regenerate_mfa_backup_codes(
        self,
        user_id: str,
        count: Optional[int] = None,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> BackupCodes:
        """Replaces the user's backup codes with new ones (default count from settings)."""
        args = {"user_id": user_id, "count": count, **_context(ip_address, user_agent)}
        return self._run("regenerate_mfa_backup_codes", BackupCodes, args)

    def list_audit_events(
        self,
        user_id: str,
        since: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[AuditEvent]:
        """A user's audit events, newest first (``since`` in Unix seconds; ``limit`` at most
        1000, default 100)."""
        rows = self._client._call(
            "list_audit_events", {"user_id": user_id, "since": since, "limit": limit}
        )
        return [AuditEvent.from_json(row) for row in rows]

    def require_recent_mfa(self, token: str, max_age: Optional[int] = None) -> SuccessResult:
        """Raises :class:`StepUpRequiredError` unless the session passed MFA within
        ``max_age`` seconds (default from settings, 600)."""
        args = {"token": token, "max_age": max_age}
        return self._run("require_recent_mfa", SuccessResult, args)

    def get_fallback_methods(self, user_id: str, failed_method: str) -> List[str]:
        """The user's other methods after ``failed_method`` failed, in the guide's fallback
        order, without channels that are currently degraded."""
        rows = self._client._call(
            "get_fallback_methods", {"user_id": user_id, "failed_method": failed_method}
        )
        return [str(m) for m in rows]

    def should_require_mfa(
        self, level: Union[MfaLevel, str], role: Optional[str] = None
    ) -> bool:
        """Whether a route guarded at ``level`` requires MFA of a user with ``role``."""
        value = level.value if isinstance(level, MfaLevel) else level
        return bool(self._client._call("should_require_mfa", {"level": value, "role": role}))

    def get_passkey_registration_options(
        self,
        user_id: Optional[str] = None,
        *,
        type: Optional[str] = None,
        session_id: Optional[str] = None,
        authenticator_type: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions:
        """Options for registering a security key or passkey (``user_id``;
        ``authenticator_type`` ``securityKey`` or ``passkey``) or, with
        ``type="authentication"`` and ``session_id``, for signing in with one. Pass
        ``public_key`` to the browser; the challenge expires after ``expires_in`` seconds."""
        args = {
            "user_id": user_id,
            "type": type,
            "session_id": session_id,
            "authenticator_type": authenticator_type,
            **_context(ip_address, user_agent),
        }
        return self._run("get_passkey_registration_options", PasskeyOptions, args)

    def verify_passkey_registration(
        self,
        *,
        challenge_id: str,
        credential: Optional[Mapping[str, Any]] = None,
        assertion: Optional[Mapping[str, Any]] = None,
        type: Optional[str] = None,
        user_id: Optional[str] = None,
        session_id: Optional[str] = None,
        name: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Union[PasskeyRegistrationResult, VerifyMfaResult]:
        """Verifies the browser's answer to :meth:`get_passkey_registration_options`: a new
        credential (its ``RegistrationResponseJSON``, stored under ``name``) gives
        ``credential_id``; an ``assertion`` (or ``type="authentication"``) completes sign-in
        like :meth:`verify_mfa`. Each challenge is answered once."""
        args = {
            "challenge_id": challenge_id,
            "credential": credential,
            "assertion": assertion,
            "type": type,
            "user_id": user_id,
            "session_id": session_id,
            "name": name,
            **_context(ip_address, user_agent),
        }
        raw = self._client._call("verify_passkey_registration", args)
        if "credentialId" in raw:
            return PasskeyRegistrationResult.from_json(raw)
        return VerifyMfaResult.from_json(raw)

    def get_passkey_authentication_options(
        self,
        session_id: str,
        *,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> PasskeyOptions:
        """Options for ``navigator.credentials.get()``: for a pending sign-in session, or a
        signed-in session's token (step-up)."""
        args = {"session_id": session_id, **_context(ip_address, user_agent)}
        return self._run("get_passkey_authentication_options", PasskeyOptions, args)

    def verify_passkey_authentication(
        self,
        *,
        challenge_id: str,
        credential: Mapping[str, Any],
        session_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> VerifyMfaResult:
        """Verifies an assertion (the browser's ``AuthenticationResponseJSON``): completes the
        pending sign-in or refreshes the session's MFA time, exactly as :meth:`verify_mfa`."""
        args = {
            "challenge_id": challenge_id,
            "credential": credential,
            "session_id": session_id,
            **_context(ip_address, user_agent),
        }
        return self._run("verify_passkey_authentication", VerifyMfaResult, args)

    def list_passkeys(self, user_id: str) -> List[PasskeyInfo]:
        """The user's security keys and passkeys."""
        rows = self._client._call("list_passkeys", {"user_id": user_id})
        return [PasskeyInfo.from_json(row) for row in rows]

    def rename_passkey(self, user_id: str, credential_id: str, name: str) -> SuccessResult:
        """Renames one of the user's security keys or passkeys."""
        args = {"user_id": user_id, "credential_id": credential_id, "name": name}
        return self._run("rename_passkey", SuccessResult, args)

    def remove_passkey(
        self,
        user_id: str,
        credential_id: str,
        *,
        password: Optional[str] = None,
        confirmation_code: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RemovePasskeyResult:
        """Removes a key; needs ``password`` (or a :meth:`verify_password` in the last five
        minutes). Removing the last MFA factor also needs ``confirmation_code``, as
        :meth:`disable_mfa` does."""
        args = {
            "user_id": user_id,
            "credential_id": credential_id,
            "password": password,
            "confirmation_code": confirmation_code,
            **_context(ip_address, user_agent),
        }
        return self._run("remove_passkey", RemovePasskeyResult, args)

    # The guide's names.
    enableMFA = enable_mfa
    verifyMFA = verify_mfa
    getMFAStatus = get_mfa_status
    disableMFA = disable_mfa
    regenerateMFABackupCodes = regenerate_mfa_backup_codes
    getPasskeyRegistrationOptions = get_passkey_registration_options
    verifyPasskeyRegistration = verify_passkey_registration


def _forward(method: Callable[..., T], target: str, name: str) -> Callable[..., T]:
    """Method ``name`` calling ``method``'s namesake on ``self.<target>``, with its signature
    and documentation (the guide gives some operations two names in two namespaces)."""
    forwarded = method.__name__

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> T:
        result: T = getattr(getattr(self, target), forwarded)(*args, **kwargs)
        return result

    run.__name__ = name
    return run


class SyncMfa:
    """``auth_sync.mfa``: the guide's ``plinto.auth.mfa`` namespace, blocking."""

    def __init__(self, auth: SyncAuth) -> None:
        self._auth = auth

    challenge = _forward(SyncAuth.verify_mfa, "_auth", "challenge")

    def configure(
        self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
    ) -> ConfigureResult:
        """Applies settings in the guide's ``mfa.configure()`` shape (camelCase or
        snake_case keys), all or nothing: ``methods``, ``backup_codes``, ``rate_limiting``,
        ``security``, ``sessions``, ``password``."""
        merged: Dict[str, Any] = {}
        if options is not None:
            if not isinstance(options, Mapping):
                raise InvalidInputError(
                    "Invalid options: must be a mapping", field="options"
                )
            _merge(merged, options)
        _merge(merged, kwargs)
        return self._auth._client._configure(merged)

    def request_new_code(
        self,
        *,
        method: str,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        ip_address: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RequestCodeResult:
        """Sends a new SMS or email code (voiding the previous one) for a pending sign-in
        (``session_id``) or a method being set up (``user_id``); resend limits apply."""
        args = {"method": method, "session_id": session_id, "user_id": user_id}
        result = self._auth._client._call_sending(
            "request_new_code", {**args, **_context(ip_address, user_agent)}
        )
        return RequestCodeResult.from_json(result)

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms`` or ``email``."""
        self._auth._client.set_sender(channel, sender)

    # The guide's name.
    requestNewCode = request_new_code


def _in_thread(method: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """The coroutine twin of a blocking method: the same call, with the same signature and
    documentation, run on the instance's blocking twin (``self._sync``) in a worker thread."""
    name = method.__name__

    @functools.wraps(method)
    async def run(self: Any, *args: Any, **kwargs: Any) -> T:
        result: T = await asyncio.to_thread(getattr(self._sync, name), *args, **kwargs)
        return result

    return run


class AsyncMfa:
    """``auth.mfa``: the guide's ``plinto.auth.mfa`` namespace, as coroutines."""

    def __init__(self, sync: SyncMfa) -> None:
        self._sync = sync

    challenge = _in_thread(SyncMfa.challenge)
    configure = _in_thread(SyncMfa.configure)
    request_new_code = _in_thread(SyncMfa.request_new_code)

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms`` or ``email``."""
        self._sync.set_sender(channel, sender)

    # The guide's name.
    requestNewCode = request_new_code


class AsyncAuth:
    """Every operation as a coroutine: the blocking work runs in a worker thread
    (:func:`asyncio.to_thread`) with the GIL released, so the event loop stays free.
    Each method takes the same arguments as its :class:`SyncAuth` twin.

    The guide's camelCase names (``enableMFA``, ``verifyMFA``, ...) are aliases.
    """

    mfa: AsyncMfa

    def __init__(self, sync: SyncAuth) -> None:
        self._sync = sync
        self.mfa = AsyncMfa(sync.mfa)

    sign_up = _in_thread(SyncAuth.sign_up)
    sign_in = _in_thread(SyncAuth.sign_in)
    sign_out = _in_thread(SyncAuth.sign_out)
    verify_session = _in_thread(SyncAuth.verify_session)
    verify_password = _in_thread(SyncAuth.verify_password)
    delete_user = _in_thread(SyncAuth.delete_user)
    get_user = _in_thread(SyncAuth.get_user)
    enable_mfa = _in_thread(SyncAuth.enable_mfa)
    verify_mfa = _in_thread(SyncAuth.verify_mfa)
    get_mfa_status = _in_thread(SyncAuth.get_mfa_status)
    disable_mfa = _in_thread(SyncAuth.disable_mfa)
    regenerate_mfa_backup_codes = _in_thread(SyncAuth.regenerate_mfa_backup_codes)
    list_audit_events = _in_thread(SyncAuth.list_audit_events)
    require_recent_mfa = _in_thread(SyncAuth.require_recent_mfa)
    get_fallback_methods = _in_thread(SyncAuth.get_fallback_methods)
    should_require_mfa = _in_thread(SyncAuth.should_require_mfa)
    get_passkey_registration_options = _in_thread(SyncAuth.get_passkey_registration_options)
    verify_passkey_registration = _in_thread(SyncAuth.verify_passkey_registration)
    get_passkey_authentication_options = _in_thread(SyncAuth.get_passkey_authentication_options)
    verify_passkey_authentication = _in_thread(SyncAuth.verify_passkey_authentication)
    list_passkeys = _in_thread(SyncAuth.list_passkeys)
    rename_passkey = _in_thread(SyncAuth.rename_passkey)
    remove_passkey = _in_thread(SyncAuth.remove_passkey)

    # The guide's names.
    enableMFA = enable_mfa
    verifyMFA = verify_mfa
    getMFAStatus = get_mfa_status
    disableMFA = disable_mfa
    regenerateMFABackupCodes = regenerate_mfa_backup_codes
    getPasskeyRegistrationOptions = get_passkey_registration_options
    verifyPasskeyRegistration = verify_passkey_registration
