"""The Python face of the engine: :class:`Plinto` with its ``auth`` (async) and
``auth_sync`` (blocking) namespaces.

Every operation's method is generated (``_operations.py``, from the core's operation
table); this module adds what is not mechanical: opening the engine (once per process),
``configure()`` with keyword arguments, application senders, and the guide's aliases.

Invariants:

* Async methods run the blocking call with :func:`asyncio.to_thread`, and the native call
  releases the GIL, so the event loop keeps running while passwords hash. A brief operation
  the engine can finish without waiting (a verification at durability ``normal`` on a free
  database) runs at once on the loop's thread instead, cheaper than the hop to a thread.
* The native engine is opened per process: a child created by ``os.fork()`` opens its own
  and never touches the one it inherited (and replays the settings applied so far).
* Senders, the notifier and the breached-password check are registered with the engine,
  which applies the delivery timeout (and, for senders, voids the code of a failed send and
  keeps the provider's health); coroutine functions run to completion on the engine's
  thread.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _native
from ._base import AT_ONCE, Later, Record, encode, error_from_json
from ._operations import (
    AsyncAuthOperations,
    AsyncMfaOperations,
    ConfigureResult,
    DeliveryMeta,
    Notification,
    SyncAuthOperations,
    SyncMfaOperations,
)
from .errors import InvalidInputError

__all__ = [
    "AsyncAuth",
    "AsyncMfa",
    "DestinationRejected",
    "Notifier",
    "PasswordCheck",
    "Plinto",
    "Sender",
    "SyncAuth",
    "SyncMfa",
]

#: An application sender for SMS or email codes: ``sender(destination, message, meta)``,
#: a plain function or a coroutine function. Raising, or running past the engine's
#: ``delivery.timeout_seconds`` (10), fails the send with ``mfa_delivery_failed``.
Sender = Callable[[str, str, Record], Any]

#: The application's notifier for security events: ``notifier(notification)``, a plain
#: function or a coroutine function; raising is recorded in the audit log.
Notifier = Callable[[Record], Any]

#: The application's breached-password check: ``check(password)`` returns True when the
#: password is known to be compromised (a plain function or a coroutine function).
PasswordCheck = Callable[[str], Any]


class DestinationRejected(Exception):
    """Raised by a sender when the provider refuses the destination (an invalid or blocked
    number, an unknown mailbox): the send fails without counting against the provider's
    health."""

    rejected = True

# Engines inherited through fork(): kept referenced so they are never dropped (and their
# SQLite handles never closed) in the child.
_inherited: List[Any] = []


async def _awaited(value: Any) -> Any:
    return await value


def _settled(value: Any) -> Any:
    """``value``, or what it resolves to when it is awaitable (run to completion in its own
    event loop, on the engine's thread)."""
    if inspect.isawaitable(value):
        return asyncio.run(_awaited(value))
    return value


def _failure(error: BaseException) -> str:
    reason = str(error) or type(error).__name__
    return json.dumps({"reason": reason, "rejected": getattr(error, "rejected", False) is True})


def _sender_hook(sender: Sender) -> Callable[[str], Optional[str]]:
    """What the engine calls for ``sender``: ``meta`` as a record; a failure described."""

    def hook(payload: str) -> Optional[str]:
        try:
            p = json.loads(payload)
            _settled(sender(p["destination"], p["message"], DeliveryMeta.from_json(p["meta"])))
        except Exception as error:  # noqa: BLE001 - any failure is the send's failure
            return _failure(error)
        return None

    return hook


def _notifier_hook(notifier: Notifier) -> Callable[[str], Optional[str]]:
    def hook(payload: str) -> Optional[str]:
        try:
            _settled(notifier(Notification.from_json(json.loads(payload))))
        except Exception as error:  # noqa: BLE001 - recorded in the audit log
            return _failure(error)
        return None

    return hook


def _check_hook(check: PasswordCheck) -> Callable[[str], Optional[str]]:
    def hook(payload: str) -> Optional[str]:
        try:
            compromised = _settled(check(json.loads(payload)["password"]))
        except Exception as error:  # noqa: BLE001 - the engine records it and lets it pass
            return _failure(error)
        return json.dumps({"compromised": compromised is True})

    return hook


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
        notifier: Optional[Notifier] = None,
        password_check: Optional[PasswordCheck] = None,
        **configure_options: Any,
    ) -> None:
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
        self._options = encode(options)
        self._database = options.get("database")
        self._configured: List[str] = []
        self._senders: Dict[str, Sender] = {}
        self._notifier: Optional[Notifier] = None
        self._password_check: Optional[PasswordCheck] = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._engine = self._open()
        for channel, sender in (senders or {}).items():
            self.set_sender(channel, sender)
        if notifier is not None:
            self.set_notifier(notifier)
        if password_check is not None:
            self.set_password_check(password_check)
        self.auth_sync = SyncAuth(self)
        self.auth = AsyncAuth(self.auth_sync)

    def __repr__(self) -> str:
        where = self._database if isinstance(self._database, str) else "environment"
        # A server URL may carry a password: only its scheme and what follows the host show.
        scheme, sep, rest = where.partition("://")
        if sep and "@" in rest.split("/", 1)[0]:
            where = f"{scheme}://…@{rest.split('@', 1)[1]}"
        return f"Plinto(database={where!r})"

    def _open(self) -> Any:
        try:
            engine = _native.NativeEngine(self._options)
            for options in self._configured:
                engine.call("configure", options)
            for channel, sender in self._senders.items():
                engine.set_sender(channel, _sender_hook(sender))
            if self._notifier is not None:
                engine.set_notifier(_notifier_hook(self._notifier))
            if self._password_check is not None:
                engine.set_password_check(_check_hook(self._password_check))
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
        """Runs operation ``op`` (blocking) and returns its decoded JSON result; on a coroutine
        call's first try (:data:`AT_ONCE`), only if the engine can finish it at once."""
        at_once = AT_ONCE.get()
        if at_once is not None and not at_once.ran and self._pid != os.getpid():
            # A fork()ed child opens its own engine first: that may wait.
            raise Later()
        payload = encode(args)
        try:
            if at_once is not None and not at_once.ran:
                now = self._native_engine().call_now(op, payload)
                if now is None:
                    raise Later()
                at_once.ran = True
                text = now
            else:
                text = self._native_engine().call(op, payload)
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        return json.loads(text)

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms``, ``email`` or ``push``; it
        takes precedence over the built-in SMTP and Twilio senders."""
        if sender is not None and not callable(sender):
            raise InvalidInputError("Invalid sender: must be callable", field="sender", status=400)
        try:
            self._native_engine().set_sender(
                channel, None if sender is None else _sender_hook(sender)
            )
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        if sender is None:
            self._senders.pop(channel, None)
        else:
            self._senders[channel] = sender

    def set_notifier(self, notifier: Optional[Notifier]) -> None:
        """Sets (or with None removes) the notifier of security events (factor added or
        removed, MFA turned off, a reused TOTP code, a lockout, suspended factors, password
        and email changes). Without one, and with SMTP configured, the built-in email is sent."""
        if notifier is not None and not callable(notifier):
            raise InvalidInputError("Invalid notifier: must be callable", field="notifier", status=400)
        try:
            self._native_engine().set_notifier(
                None if notifier is None else _notifier_hook(notifier)
            )
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        self._notifier = notifier

    def set_password_check(self, check: Optional[PasswordCheck]) -> None:
        """Sets (or with None removes) the breached-password check asked about every new
        password (sign-up, password change); it returns True for a compromised password."""
        if check is not None and not callable(check):
            raise InvalidInputError("Invalid check: must be callable", field="check", status=400)
        try:
            self._native_engine().set_password_check(
                None if check is None else _check_hook(check)
            )
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        self._password_check = check

    def _configure(self, options: Mapping[str, Any]) -> ConfigureResult:
        payload = encode(options)
        try:
            text = self._native_engine().call("configure", payload)
        except _native.NativeError as e:
            raise error_from_json(str(e.args[0]) if e.args else "") from None
        # Replayed when a fork()ed child opens its own engine.
        self._configured.append(payload)
        return ConfigureResult.from_json(json.loads(text))


def _options(options: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    if options is not None:
        if not isinstance(options, Mapping):
            raise InvalidInputError("Invalid options: must be a mapping", field="options", status=400)
        _merge(merged, options)
    _merge(merged, kwargs)
    return merged


class SyncAuth(SyncAuthOperations):
    """Every operation, blocking the calling thread (use from sync code or worker threads).

    The guide's camelCase names (``enableMFA``, ``verifyMFA``, ...) are aliases.
    """

    mfa: SyncMfa

    def __init__(self, client: Plinto) -> None:
        super().__init__(client)
        self.mfa = SyncMfa(self, client)


class SyncMfa(SyncMfaOperations):
    """``auth_sync.mfa``: the guide's ``plinto.auth.mfa`` namespace, blocking."""

    def __init__(self, auth: SyncAuth, client: Plinto) -> None:
        super().__init__(client)
        self._plinto = client
        #: The guide's name for :meth:`SyncAuth.verify_mfa`.
        self.challenge = auth.verify_mfa

    def configure(
        self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
    ) -> ConfigureResult:
        """Applies settings in the guide's ``mfa.configure()`` shape (camelCase or
        snake_case keys), all or nothing: ``methods``, ``backup_codes``, ``rate_limiting``,
        ``security``, ``sessions``, ``password``, ``delivery``."""
        return self._plinto._configure(_options(options, kwargs))

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms``, ``email`` or ``push``."""
        self._plinto.set_sender(channel, sender)

    def set_notifier(self, notifier: Optional[Notifier]) -> None:
        """Sets (or with None removes) the notifier of security events."""
        self._plinto.set_notifier(notifier)

    def set_password_check(self, check: Optional[PasswordCheck]) -> None:
        """Sets (or with None removes) the breached-password check."""
        self._plinto.set_password_check(check)


class AsyncAuth(AsyncAuthOperations):
    """Every operation as a coroutine: the blocking work runs in a worker thread
    (:func:`asyncio.to_thread`) with the GIL released, so the event loop stays free; a brief
    operation the engine can finish without waiting runs at once.
    Each method takes the same arguments as its :class:`SyncAuth` twin.

    The guide's camelCase names (``enableMFA``, ``verifyMFA``, ...) are aliases.
    """

    mfa: AsyncMfa

    def __init__(self, sync: SyncAuth) -> None:
        super().__init__(sync)
        self.mfa = AsyncMfa(sync.mfa, self)


class AsyncMfa(AsyncMfaOperations):
    """``auth.mfa``: the guide's ``plinto.auth.mfa`` namespace, as coroutines."""

    def __init__(self, sync: SyncMfa, auth: AsyncAuth) -> None:
        super().__init__(sync)
        self._sync_mfa = sync
        #: The guide's name for :meth:`AsyncAuth.verify_mfa`.
        self.challenge = auth.verify_mfa

    async def configure(
        self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
    ) -> ConfigureResult:
        """Applies settings in the guide's ``mfa.configure()`` shape (see
        :meth:`SyncMfa.configure`)."""
        return await self._in_thread(self._sync_mfa.configure, options, **kwargs)

    def set_sender(self, channel: str, sender: Optional[Sender]) -> None:
        """Sets (or with None removes) the application sender of ``sms``, ``email`` or ``push``."""
        self._sync_mfa.set_sender(channel, sender)

    def set_notifier(self, notifier: Optional[Notifier]) -> None:
        """Sets (or with None removes) the notifier of security events."""
        self._sync_mfa.set_notifier(notifier)

    def set_password_check(self, check: Optional[PasswordCheck]) -> None:
        """Sets (or with None removes) the breached-password check."""
        self._sync_mfa.set_password_check(check)
