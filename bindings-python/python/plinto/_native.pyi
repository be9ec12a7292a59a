"""The native engine (Rust): JSON in, JSON out. Use :class:`plinto.Plinto` instead."""

from __future__ import annotations

from typing import Callable, List, Optional

__all__ = [
    "NativeEngine",
    "NativeError",
    "call_stateless",
    "operations",
    "error_codes",
    "__version__",
]

__version__: str

class NativeError(Exception):
    """A failure of the native engine; ``args[0]`` is its JSON:
    ``{code, message, reason, field?, retryAfter?, maxAge?, methods?}``."""

class NativeEngine:
    """An engine over one database, driven with JSON strings."""

    def __init__(self, options_json: str) -> None: ...
    def call(self, /, op: str, args_json: str) -> str: ...
    def call_now(self, /, op: str, args_json: str) -> Optional[str]: ...
    def set_sender(
        self, /, channel: str, deliver: Optional[Callable[[str], Optional[str]]]
    ) -> None: ...
    def set_notifier(self, /, notify: Optional[Callable[[str], Optional[str]]]) -> None: ...
    def set_password_check(self, /, check: Optional[Callable[[str], Optional[str]]]) -> None: ...

def call_stateless(op: str, args_json: str) -> str: ...
def operations() -> List[str]: ...
def error_codes() -> List[str]: ...
def run_cli(args: List[str]) -> int: ...
