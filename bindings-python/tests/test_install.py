"""The wheel installs and works in a fresh virtual environment that has nothing else: built
with maturin, installed with pip (no index), then a sign-up and a typed error there."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

CHECK = textwrap.dedent(
    """
    import importlib.util, json, pathlib, sys
    import plinto

    pkg = pathlib.Path(plinto.__file__).parent
    assert pathlib.Path(sys.prefix) in pkg.parents, pkg
    shipped = sorted(p.name for p in pkg.iterdir() if p.suffix in (".pyi", ".typed"))
    assert importlib.util.find_spec("fastapi") is None  # not needed by the package
    client = plinto.Plinto(
        database=sys.argv[1], secret_key="22" * 32, password={"memory_kib": 64}
    )
    up = client.auth_sync.sign_up("fresh@example.com", "FreshPassword1!")
    try:
        client.auth_sync.get_user(user_id=1)
    except plinto.InvalidInputError as e:
        field = e.field
    print(json.dumps({"email": up.user.email, "field": field, "shipped": shipped,
                      "version": plinto.__version__}))
    """
)


def _triple() -> str:
    if os.environ.get("CARGO_BUILD_TARGET"):
        return os.environ["CARGO_BUILD_TARGET"]
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def _build_wheel(out: Path) -> Path:
    """The development wheel, built with the same target triple and target dir as the
    Makefile, so nothing is rebuilt."""
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target"))
    subprocess.run(
        [
            sys.executable, "-m", "maturin", "build", "--quiet",
            "-m", str(ROOT / "bindings-python" / "Cargo.toml"),
            "--profile", "dev", "--target", _triple(),
            "-i", sys.executable, "--out", str(out),
        ],
        check=True,
        env=env,
        timeout=1200,
    )
    (wheel,) = out.glob("plinto_mfa-*.whl")
    return wheel


@pytest.mark.install
def test_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    # PLINTO_WHEEL names a wheel built elsewhere (`make wheels`: the manylinux2014 one, built
    # from the sdist); otherwise the development wheel is built here.
    given = os.environ.get("PLINTO_WHEEL")
    wheel = Path(given) if given else _build_wheel(tmp_path / "wheels")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("PLINTO_", "PYTHON"))}
    out = subprocess.run(
        [str(python), "-c", CHECK, str(tmp_path / "fresh.db")],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
        timeout=120,
    )
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["email"] == "fresh@example.com"
    assert result["field"] == "user_id"
    assert {"py.typed", "_native.pyi"} <= set(result["shipped"])
    # The admin command, as `python -m plinto …` runs it from the installed package, on the
    # database the check above made.
    cli = subprocess.run(
        [str(python), "-m", "plinto", "--json", "rollout", "status"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean_env, "PLINTO_DATABASE": str(tmp_path / "fresh.db"), "PLINTO_SECRET_KEY": "22" * 32},
        timeout=120,
    )
    assert json.loads(cli.stdout)["phase"] == "optional"
    print(f"\nfresh venv: installed {wheel.name}, signed up {result['email']}")
