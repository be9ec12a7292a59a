"""The shipped ``.pyi`` stubs match the modules: same public names, and for every function,
method and class the same parameters (names, kinds, defaults) and, where the module is
Python, the same annotations."""

from __future__ import annotations

import enum
import importlib
import inspect
import types
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import plinto

PACKAGE = Path(plinto.__file__).parent
MODULES = [
    "plinto",
    "plinto.authenticator",
    "plinto.errors",
    "plinto.types",
    "plinto.fastapi",
    "plinto._native",
]


def load_stub(module: str) -> types.ModuleType:
    """Executes a stub as a module (its annotations stay strings)."""
    name = module.split(".")[-1] if "." in module else "__init__"
    path = PACKAGE / f"{name}.pyi"
    assert path.is_file(), f"{path.name} is not shipped"
    stub = types.ModuleType(f"_stub_{name}")
    stub.__package__ = "plinto"
    stub.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), stub.__dict__)
    return stub


def public_names(module: types.ModuleType) -> List[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return sorted(names)
    return sorted(
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and getattr(v, "__module__", None) not in ("typing", "__future__")  # stub imports
    )


def own_members(cls: type) -> Dict[str, Any]:
    """Public methods and class attributes defined by the class itself (plus __init__ and
    __call__), and its own annotated fields."""
    out: Dict[str, Any] = {}
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__call__"):
            continue
        if callable(value) or isinstance(value, (classmethod, staticmethod, property)):
            out[name] = value
    for name in vars(cls).get("__annotations__", {}):
        if not name.startswith("_"):
            out.setdefault(name, "<annotation>")
    return out


def describe(fn: Any, with_annotations: bool) -> List[Tuple[Any, ...]]:
    sig = inspect.signature(fn)
    params = []
    for p in sig.parameters.values():
        default = p.default
        if default is inspect.Parameter.empty:
            shown = "<required>"
        elif default is Ellipsis:
            shown = "<any>"  # stubs may elide defaults
        else:
            shown = repr(default)
        item: Tuple[Any, ...] = (p.name, p.kind, shown)
        if with_annotations:
            item += (str(p.annotation).replace(" ", ""),)
        params.append(item)
    if with_annotations:
        ret = str(sig.return_annotation).replace(" ", "")
        params.append(("return", None, "<required>", ret))
    return params


def same_signature(real: Any, stub: Any, with_annotations: bool, where: str) -> None:
    is_async = inspect.iscoroutinefunction(real)
    assert is_async == inspect.iscoroutinefunction(stub), f"{where}: async {is_async} in the module"
    want = describe(real, with_annotations)
    got = describe(stub, with_annotations)
    # A stub's `...` default only says "has a default".
    got = [
        g if g[2] != "<any>" or w[2] == "<required>" else g[:2] + (w[2],) + g[3:]
        for g, w in zip(got, want)
    ] + got[len(want) :]
    assert got == want, f"{where}: stub {got} != module {want}"


def pairs() -> Iterator[Tuple[str, types.ModuleType, types.ModuleType]]:
    for name in MODULES:
        yield name, importlib.import_module(name), load_stub(name)


@pytest.mark.parametrize("module", MODULES)
def test_stub_matches_module(module: str) -> None:
    real = importlib.import_module(module)
    stub = load_stub(module)
    python_source = module != "plinto._native"
    assert public_names(stub) == public_names(real)
    declared = stub.__dict__.get("__annotations__", {})
    for name in public_names(real):
        where = f"{module}.{name}"
        r = getattr(real, name)
        if name not in vars(stub):
            # A variable the stub only declares: its type must match the value's.
            assert name in declared, where
            assert declared[name].split("[")[0].lower() == type(r).__name__.lower(), where
            continue
        s = getattr(stub, name)
        if inspect.isclass(r):
            assert inspect.isclass(s), where
            if r is s:
                continue  # re-exported from another module: checked there
            assert [b.__name__ for b in r.__mro__[1:]] == [b.__name__ for b in s.__mro__[1:]], where
            if issubclass(r, enum.Enum):
                assert [(m.name, m.value) for m in r] == [(m.name, m.value) for m in s], where
            rm, sm = own_members(r), own_members(s)
            if not python_source and "__init__" in sm and "__init__" not in rm:
                # A native class takes its constructor arguments in __new__.
                stub_init = inspect.signature(sm.pop("__init__"))
                stub_params = list(stub_init.parameters)[1:]  # without self
                try:
                    real_params = list(inspect.signature(r).parameters)
                except ValueError:  # Python < 3.10 shows no signature for native classes
                    real_params = stub_params
                assert real_params == stub_params, where
            if issubclass(r, BaseException) or issubclass(r, plinto.MfaLevel):
                rm = {k: v for k, v in rm.items() if k != "__init__" or "__init__" in sm}
            assert sorted(rm) == sorted(sm), where
            for member, value in rm.items():
                if callable(value) and not isinstance(value, type):
                    same_signature(
                        getattr(r, member),
                        getattr(s, member),
                        python_source,
                        f"{where}.{member}",
                    )
        elif callable(r):
            same_signature(r, s, python_source, where)
        else:
            assert type(r) is type(s), where


def test_lazy_default_instance_is_declared() -> None:
    stub = load_stub("plinto")
    annotations = stub.__dict__.get("__annotations__", {})
    for name in plinto._LAZY:
        assert name in annotations, name
    assert annotations["auth"] == "AsyncAuth" and annotations["auth_sync"] == "SyncAuth"
    assert "__version__" in annotations


def test_native_functions_listed() -> None:
    from plinto import _native

    assert "sign_up" in _native.operations()
    assert set(plinto.ERROR_CODES) == set(_native.error_codes())
