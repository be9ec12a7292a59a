"""What the generated operations (``_operations.py``) stand on: result records, the error
base class, the JSON encoding of arguments and the two ways of calling the engine.

Invariants:

* Arguments go to the engine as JSON exactly as given (after dropping ``None``), so type
  checks happen once, in the engine, naming the argument; values JSON cannot carry (bytes,
  objects, NaN) are refused here with the same ``invalid_input`` error. A ``datetime`` is
  sent as Unix seconds.
* Results are ``dict`` subclasses with snake_case keys, readable as attributes; secrets are
  left out of their ``repr``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import re
from datetime import datetime
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Protocol,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _native

__all__ = [
    "AsyncBase",
    "MfaError",
    "Record",
    "SyncBase",
    "Timestamp",
    "error_class",
    "error_from_json",
]

#: A point in time: Unix seconds, a ``datetime`` (naive ones are local time), or RFC 3339 text.
Timestamp = Union[int, float, datetime, str]

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")
R = TypeVar("R", bound="Record")
T = TypeVar("T")


@functools.lru_cache(maxsize=1024)
def snake(name: str) -> str:
    """``userId`` → ``user_id`` (cached: the engine's keys are a small fixed set)."""
    return _UPPER.sub(r"_\1", name).lower()


def _convert(value: Any, record: Optional[Type[Record]]) -> Any:
    if isinstance(value, dict):
        return (record or Record).from_json(value)
    if isinstance(value, list):
        return [_convert(v, record) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Record(Dict[str, Any]):
    """A result: a ``dict`` with snake_case keys, also readable as attributes, so results go
    straight into JSON responses (``json.dumps``, FastAPI). ``to_dict()`` gives a plain copy."""

    __slots__ = ()

    #: Keys whose values (or list items) are records of a given type.
    _nested: ClassVar[Mapping[str, Type[Record]]] = {}
    #: Keys whose values are kept exactly as the engine gave them (JSON for a browser).
    _verbatim: ClassVar[frozenset[str]] = frozenset()
    #: Keys holding secrets, shown as ``<redacted>`` by ``repr``.
    _secret: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_json(cls: Type[R], data: Mapping[str, Any]) -> R:
        """Builds a record from engine JSON, turning camelCase keys snake_case."""
        out = cls()
        for key, value in data.items():
            name = snake(key)
            if name in cls._verbatim:
                out[name] = value
            else:
                out[name] = _convert(value, cls._nested.get(name))
        return out

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            # A field the record declares but the engine left out (an optional one) is None.
            if any(name in vars(c).get("__annotations__", {}) for c in type(self).__mro__):
                return None
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def to_dict(self) -> Dict[str, Any]:
        """A plain ``dict`` copy (nested records and lists copied too)."""
        out: Dict[str, Any] = _plain(self)
        return out

    def __repr__(self) -> str:
        shown = {
            k: ("<redacted>" if k in self._secret and v is not None else v)
            for k, v in self.items()
        }
        return f"{type(self).__name__}({shown!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        # Lets pydantic (and so FastAPI return annotations such as `-> plinto.User`) treat a
        # record as the JSON object it is, without this package depending on pydantic.
        return handler.generate_schema(Dict[str, Any])


class MfaError(Exception):
    """A failure of Plinto MFA, with a machine-readable ``code``.

    ``field`` names the argument at fault for ``invalid_input`` (snake_case, as Python
    callers spell their arguments) and ``reason`` what is wrong with it; ``retry_after`` is
    the number of seconds to wait for ``mfa_rate_limited``; ``max_age`` and ``methods`` say
    what satisfies ``mfa_step_up_required``. Each code has its subclass
    (``RateLimitedError``, ...).
    """

    #: The code an instance gets when none is given.
    default_code: ClassVar[str] = "internal"
    _classes: ClassVar[Dict[str, Type[MfaError]]] = {}

    code: str
    field: Optional[str]
    message: str
    reason: str
    retry_after: Optional[int]
    max_age: Optional[int]
    methods: Optional[List[str]]
    #: The HTTP status the core gives the code, for a server to answer with (set on every
    #: error from the engine; ``None`` on one raised by application code).
    status: Optional[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        MfaError._classes.setdefault(cls.default_code, cls)

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        field: Optional[str] = None,
        retry_after: Optional[int] = None,
        reason: Optional[str] = None,
        max_age: Optional[int] = None,
        methods: Optional[List[str]] = None,
        status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).default_code
        self.field = field
        self.retry_after = retry_after
        self.reason = message if reason is None else reason
        self.max_age = max_age
        self.methods = methods
        self.status = status

    def to_dict(self) -> Dict[str, Any]:
        """The error as JSON-ready data: ``code``, ``message``, and ``field`` /
        ``retry_after`` / ``max_age`` / ``methods`` when set."""
        out: Dict[str, Any] = {"code": self.code, "message": self.message}
        for key, value in (
            ("field", self.field),
            ("retry_after", self.retry_after),
            ("max_age", self.max_age),
            ("methods", self.methods),
        ):
            if value is not None:
                out[key] = value
        return out

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v in (("field", self.field), ("retry_after", self.retry_after))
            if v is not None
        )
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}{extra})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keep every attribute when pickled (e.g. across multiprocessing).
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.code,
                self.field,
                self.retry_after,
                self.reason,
                self.max_age,
                self.methods,
                self.status,
            ),
        )


def _rebuild(
    cls: Type[MfaError],
    message: str,
    code: str,
    field: Optional[str],
    retry_after: Optional[int],
    reason: str,
    max_age: Optional[int] = None,
    methods: Optional[List[str]] = None,
    status: Optional[int] = None,
) -> MfaError:
    return cls(
        message,
        code=code,
        field=field,
        retry_after=retry_after,
        reason=reason,
        max_age=max_age,
        methods=methods,
        status=status,
    )


def error_class(code: str) -> Type[MfaError]:
    """The exception class raised for ``code``."""
    return MfaError._classes.get(code, MfaError)


def error_from_json(data: Union[str, bytes, Mapping[str, Any]]) -> MfaError:
    """Builds the exception for the engine's error JSON ``{code, status, message, reason,
    field?, retryAfter?, maxAge?, methods?}``; the field is named snake_case, and so is it in the
    message."""
    if isinstance(data, (str, bytes)):
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return MfaError("Malformed error from the native engine", code="internal")
        data = parsed
    code = str(data.get("code") or "internal")
    message = str(data.get("message") or code)
    raw_field = data.get("field")
    raw_reason = data.get("reason")
    reason = raw_reason if isinstance(raw_reason, str) else None
    field = None
    if isinstance(raw_field, str):
        field = ".".join(snake(part) for part in raw_field.split("."))
        if reason is not None:
            message = f"Invalid {field}: {reason}"
    retry = data.get("retryAfter", data.get("retry_after"))
    retry_after = retry if isinstance(retry, int) and not isinstance(retry, bool) else None
    age = data.get("maxAge", data.get("max_age"))
    max_age = age if isinstance(age, int) and not isinstance(age, bool) else None
    raw_status = data.get("status")
    status = raw_status if isinstance(raw_status, int) and not isinstance(raw_status, bool) else None
    raw_methods = data.get("methods")
    methods = (
        [str(m) for m in raw_methods] if isinstance(raw_methods, list) else None
    )
    return error_class(code)(
        message,
        code=code,
        field=field,
        retry_after=retry_after,
        reason=reason,
        max_age=max_age,
        methods=methods,
        status=status,
    )


def _invalid(field: str, reason: str) -> MfaError:
    return error_class("invalid_input")(
        f"Invalid {field}: {reason}", code="invalid_input", field=field, reason=reason, status=400
    )


def encode(args: Mapping[str, Any]) -> str:
    """JSON object of the arguments that are not None (a ``datetime`` as Unix seconds); an
    argument JSON cannot carry is an ``invalid_input`` error naming it (snake_case)."""
    present = {
        name: int(value.timestamp()) if isinstance(value, datetime) else value
        for name, value in args.items()
        if value is not None
    }
    try:
        text = json.dumps(
            present, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        text.encode("utf-8")
        return text
    except (TypeError, ValueError, RecursionError):
        # Field by field, to name the argument at fault.
        return _encode_naming(present)


def _encode_naming(args: Mapping[str, Any]) -> str:
    """:func:`encode` one argument at a time: the first one JSON cannot carry is named."""
    parts = []
    for name, value in args.items():
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError, RecursionError):
            raise _invalid(
                snake(name), f"a {type(value).__name__} value cannot be used here"
            ) from None
        parts.append(f"{json.dumps(name)}:{text}")
    return "{" + ",".join(parts) + "}"


def _call_stateless(op: str, args: Mapping[str, Any]) -> Any:
    """Runs an operation that needs no engine (the authenticator side)."""
    try:
        text = _native.call_stateless(op, encode(args))
    except _native.NativeError as e:
        raise error_from_json(str(e.args[0]) if e.args else "") from None
    return json.loads(text)


class _Caller(Protocol):
    """What a blocking namespace calls: the engine of a :class:`plinto.Plinto`."""

    def _call(self, op: str, args: Mapping[str, Any]) -> Any: ...


class SyncBase:
    """A blocking namespace: every method runs one engine operation on the calling thread."""

    def __init__(self, client: _Caller) -> None:
        self._client = client

    def _call(self, op: str, args: Mapping[str, Any]) -> Any:
        return self._client._call(op, args)


class Later(BaseException):
    """The engine would wait for this call (see :data:`AT_ONCE`): run it in a worker thread.
    A ``BaseException``, so that no ``except Exception`` on the way swallows it."""


class AtOnce:
    """One coroutine call's first try on the event loop's thread: its native call runs only if
    the engine can finish it without waiting (``call_now``), else :class:`Later` is raised.
    Once a native call has run here, any later one of the same call runs here too (blocking
    briefly), as running the call again in a thread would repeat what already ran."""

    __slots__ = ("ran",)

    def __init__(self) -> None:
        self.ran = False


#: Set while a coroutine method tries its blocking twin on the event loop's thread.
AT_ONCE: contextvars.ContextVar[Optional[AtOnce]] = contextvars.ContextVar(
    "plinto_at_once", default=None
)


class AsyncBase:
    """A coroutine namespace: every method runs its blocking twin in a worker thread, except
    a brief operation (a verification, a session check, a status, a decision that needs no
    database), which runs at once when the engine can finish it without waiting: on a free
    database that is cheaper than the hop to a thread and back."""

    def __init__(self, sync: Any) -> None:
        self._sync = sync

    async def _in_thread(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _now_or_in_thread(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        token = AT_ONCE.set(AtOnce())
        try:
            return fn(*args, **kwargs)
        except Later:
            pass
        finally:
            AT_ONCE.reset(token)
        return await asyncio.to_thread(fn, *args, **kwargs)
