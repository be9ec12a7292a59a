"""One HTTP contract, two servers: the Express and FastAPI examples, each started as its own
process on loopback with a database of its own, answer the same requests, and every answer is
checked against examples/contract/openapi.json (its status is one the operation declares, its
body matches the declared schema) and against the other server's answer (the same status, the
same error code, the same keys, a session cookie in the same places). The route lists of both
servers (Express's router, FastAPI's generated schema) are the contract's, and so are the
request fields FastAPI declares."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import httpx
import pyotp
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = json.loads((ROOT / "examples" / "contract" / "openapi.json").read_text())
PASSWORD = "Contract-Password-42"
# Cheap password hashing and no progressive delay, so wrong codes can follow one another; the
# Express example's per-address limiter is raised for the same reason (the core's persisted
# attempt limits stay as they are).
ENV = {
    "PLINTO_CONFIG": json.dumps({"password": {"memoryKib": 64, "iterations": 1},
                                 "rateLimiting": {"progressiveDelay": False}}),
    "PLINTO_SECRET_KEY": "7c" * 32,
    "MFA_VERIFY_MAX_PER_WINDOW": "1000",
    "PLINTO_ISSUER": "Contract",
}

REGISTRY: Registry = Registry().with_resource("urn:contract", Resource.from_contents(CONTRACT, default_specification=DRAFT202012))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(kind: str, tmp: Path) -> Tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, **ENV, "PORT": str(port), "PLINTO_DATABASE": str(tmp / f"{kind}.db")}
    if kind == "express":
        cmd = ["node", str(ROOT / "examples" / "express" / "server.js")]
        cwd = ROOT / "examples" / "express"
    else:
        cmd = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
        cwd = ROOT / "examples" / "fastapi"
    log = open(tmp / f"{kind}.log", "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} exited: {(tmp / f'{kind}.log').read_text()}")
        try:
            httpx.get(f"{base}/api/profile", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} did not start: {(tmp / f'{kind}.log').read_text()}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    tmp = tmp_path_factory.mktemp("contract")
    started = [_start(kind, tmp) for kind in ("express", "fastapi")]
    try:
        yield {"express": started[0][1], "fastapi": started[1][1]}
    finally:
        for proc, _ in started:
            proc.terminate()
            proc.wait(timeout=10)


class Answer:
    """One response, with the contract operation it answers."""

    def __init__(self, label: str, method: str, template: str, response: httpx.Response) -> None:
        self.label, self.method, self.template = label, method, template
        self.status = response.status_code
        self.body: Any = response.json() if response.content else None
        self.cookie = _cookie_of(response.headers.get("set-cookie"))
        self.retry_after = response.headers.get("retry-after")

    def shape(self) -> Tuple[int, Optional[str], Any, Optional[str], bool]:
        """What must be equal on both servers: status, error code, the body's structure (every
        key with a value, nested ones too), the cookie's name and attributes, whether
        Retry-After was sent."""
        code = self.body.get("code") if isinstance(self.body, dict) else None
        return self.status, code, _structure(self.body), self.cookie, self.retry_after is not None


def _structure(value: Any) -> Any:
    """The keys of a JSON value, at every depth, without the values (and without null ones)."""
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return [_structure(v) for v in value]
    return type(value).__name__


def _cookie_of(header: Optional[str]) -> Optional[str]:
    """`name; attribute; ...` of a Set-Cookie header, without its value and lifetime."""
    if header is None:
        return None
    name, _, rest = header.partition("=")
    attributes = sorted(
        a.strip().lower() for a in rest.split(";")[1:]
        if a.strip() and not a.strip().lower().startswith(("max-age", "expires"))
    )
    return "; ".join([name.strip(), *attributes])


class Client:
    """A browser-like client of one server: a cookie jar, JSON bodies, answers recorded."""

    def __init__(self, base: str, answers: List[Answer]) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.answers = answers

    def call(self, label: str, method: str, template: str, path: Optional[str] = None,
             json_body: Any = None, content: Any = None,
             headers: Optional[Dict[str, str]] = None) -> Answer:
        hdrs = {"content-type": "application/json", **(headers or {})}
        kwargs: Dict[str, Any] = {"headers": hdrs}
        if content is not None:
            kwargs["content"] = content
        elif json_body is not None:
            kwargs["content"] = json.dumps(json_body)
        answer = Answer(label, method, template, self.http.request(method, path or template, **kwargs))
        self.answers.append(answer)
        return answer


def _codes(secret: str) -> Tuple[str, str, str]:
    """The current TOTP code, the next step's, and one that is neither (a wrong code)."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    current, upcoming = totp.at(now), totp.at(now + 30)
    wrong = next(c for c in ("000000", "111111", "222222") if c not in (current, upcoming, totp.at(now - 30)))
    return current, upcoming, wrong


def scenario(base: str) -> List[Answer]:
    """The same requests, in the same order, for either server."""
    answers: List[Answer] = []
    user, other, anon = Client(base, answers), Client(base, answers), Client(base, answers)
    email = "contract@example.com"
    up = user.call("sign up", "POST", "/api/auth/signup", json_body={"email": email, "password": PASSWORD})
    user.call("sign up again", "POST", "/api/auth/signup", json_body={"email": email, "password": PASSWORD})
    user.call("sign up, bad email", "POST", "/api/auth/signup", json_body={"email": "not-an-email", "password": PASSWORD})
    user.call("sign up, no password", "POST", "/api/auth/signup", json_body={"email": "b@example.com"})
    anon.call("sign in, wrong password", "POST", "/api/auth/signin", json_body={"email": email, "password": "nope-nope-nope"})
    anon.call("sign in, unknown email", "POST", "/api/auth/signin", json_body={"email": "nobody@example.com", "password": "nope-nope-nope"})
    anon.call("sign in, not JSON", "POST", "/api/auth/signin", content="{not json")
    anon.call("status, no session", "GET", "/api/auth/mfa/status")
    anon.call("status, bad bearer", "GET", "/api/auth/mfa/status", headers={"authorization": "Bearer nope"})
    anon.call("unknown route", "GET", "/api/auth/nothing-here")
    anon.call("cross-site", "POST", "/api/auth/signout", json_body={}, headers={"origin": "https://evil.example"})
    anon.call("cross-site, not JSON", "POST", "/api/auth/signin", content="{not json", headers={"origin": "https://evil.example"})
    huge = json.dumps({"email": email, "password": "x" * (3 << 20)})
    anon.call("too large", "POST", "/api/auth/signin", content=huge)
    # The same without a Content-Length (chunked): refused as it arrives.
    anon.call("too large, chunked", "POST", "/api/auth/signin",
              content=(huge[i:i + 65536].encode() for i in range(0, len(huge), 65536)))
    anon.call("cross-site, too large", "POST", "/api/auth/signin", content=huge, headers={"origin": "https://evil.example"})
    anon.call("cross-site, no Origin", "POST", "/api/auth/signin", json_body={"email": email, "password": PASSWORD},
              headers={"sec-fetch-site": "cross-site"})
    anon.call("cross-site, Origin null", "POST", "/api/auth/signin", json_body={"email": email, "password": PASSWORD},
              headers={"origin": "null"})
    user.call("session", "GET", "/api/auth/session")
    user.call("status before", "GET", "/api/auth/mfa/status")
    user.call("setup, unknown method", "POST", "/api/auth/mfa/setup", json_body={"method": "pigeon"})
    setup = user.call("setup totp", "POST", "/api/auth/mfa/setup", json_body={"method": "totp"})
    current, upcoming, wrong = _codes(setup.body["secret"])
    user.call("confirm, wrong code", "POST", "/api/auth/mfa/verify", json_body={"method": "totp", "code": wrong})
    confirmed = user.call("confirm", "POST", "/api/auth/mfa/verify", json_body={"method": "totp", "code": current})
    backup = confirmed.body["backupCodes"]
    user.call("status after", "GET", "/api/auth/mfa/status")
    user.call("sessions", "GET", "/api/auth/sessions")
    pending = other.call("sign in", "POST", "/api/auth/signin", json_body={"email": email, "password": PASSWORD})
    sid = pending.body["sessionId"]
    other.call("verify, no code", "POST", "/api/auth/mfa/verify", json_body={"sessionId": sid, "method": "totp"})
    other.call("verify, wrong code", "POST", "/api/auth/mfa/verify", json_body={"sessionId": sid, "method": "totp", "code": wrong})
    other.call("verify, replayed code", "POST", "/api/auth/mfa/verify", json_body={"sessionId": sid, "method": "totp", "code": current})
    other.call("verify", "POST", "/api/auth/mfa/verify", json_body={"sessionId": sid, "method": "totp", "code": upcoming})
    other.call("session after MFA", "GET", "/api/auth/session")
    user.call("step-up, wrong code", "POST", "/api/auth/mfa/step-up", json_body={"method": "totp", "code": wrong})
    user.call("step-up, backup code", "POST", "/api/auth/mfa/step-up", json_body={"method": "backup", "code": backup[0]})
    user.call("regenerate, wrong password", "POST", "/api/auth/mfa/backup-codes/regenerate", json_body={"password": "nope-nope-nope"})
    regenerated = user.call("regenerate", "POST", "/api/auth/mfa/backup-codes/regenerate", json_body={"password": PASSWORD})
    user.call("end an unknown session", "DELETE", "/api/auth/sessions/{id}", "/api/auth/sessions/nope")
    user.call("security keys", "GET", "/api/auth/mfa/webauthn/credentials")
    user.call("key options", "POST", "/api/auth/mfa/webauthn/register/options", json_body={})
    user.call("rename an unknown key", "PATCH", "/api/auth/mfa/webauthn/credentials/{id}", "/api/auth/mfa/webauthn/credentials/nope", json_body={"name": "Desk key"})
    user.call("remove a key, no password", "DELETE", "/api/auth/mfa/webauthn/credentials/{id}", "/api/auth/mfa/webauthn/credentials/nope", json_body={})
    user.call("remove an unknown factor", "DELETE", "/api/auth/mfa/factors/{id}", "/api/auth/mfa/factors/nope", json_body={"password": PASSWORD})
    user.call("push, not enrolled", "POST", "/api/auth/mfa/push/challenge", json_body={})
    anon.call("push poll, bad signature", "POST", "/api/push/pending", json_body={"request": "a.b.c"})
    anon.call("resend, no session", "POST", "/api/auth/mfa/resend", json_body={"method": "sms"})
    user.call("profile", "GET", "/api/profile")
    user.call("reports", "GET", "/api/reports")
    user.call("payment", "POST", "/api/payments", json_body={})
    user.call("admin, not an admin", "POST", "/api/admin/users", json_body={"email": "new@example.com", "password": PASSWORD})
    user.call("rollout, not an admin", "GET", "/api/admin/rollout")
    user.call("password, too short", "POST", "/api/auth/password", json_body={"currentPassword": PASSWORD, "newPassword": "short"})
    user.call("cross-site delete", "DELETE", "/api/auth/sessions/{id}", "/api/auth/sessions/nope",
              headers={"origin": "https://evil.example"})
    user.call("cross-site rename", "PATCH", "/api/auth/mfa/webauthn/credentials/{id}", "/api/auth/mfa/webauthn/credentials/nope",
              json_body={"name": "x"}, headers={"origin": "https://evil.example"})
    user.call("end the other sessions", "POST", "/api/auth/sessions/revoke-others")
    other.call("session, ended", "GET", "/api/auth/session")
    user.call("disable, wrong code", "POST", "/api/auth/mfa/disable", json_body={"password": PASSWORD, "confirmationCode": "nope"})
    user.call("disable", "POST", "/api/auth/mfa/disable", json_body={"password": PASSWORD, "confirmationCode": regenerated.body["codes"][0]})
    user.call("sign out", "POST", "/api/auth/signout")
    user.call("session, signed out", "GET", "/api/auth/session")
    assert up.status == 201
    return answers


def _schema_of(answer: Answer) -> Dict[str, Any]:
    operation = CONTRACT["paths"][answer.template][answer.method.lower()]
    declared = operation["responses"]
    assert str(answer.status) in declared, (
        f"{answer.label}: {answer.method} {answer.template} answered {answer.status}, "
        f"which the contract does not declare ({sorted(declared)}): {answer.body}")
    response = declared[str(answer.status)]
    if "$ref" in response:
        response = CONTRACT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema: Dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def _validate(answer: Answer) -> None:
    if answer.template not in CONTRACT["paths"]:
        # Not a route (the unknown-route request): the contract's 404 error body.
        assert answer.status == 404, answer.label
        schema: Dict[str, Any] = {"$ref": "urn:contract#/components/schemas/ErrorBody"}
    else:
        schema = _schema_of(answer)
    validator = Draft202012Validator(_rebase(schema), registry=REGISTRY)
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(answer.body)]
    assert not problems, f"{answer.label}: {problems} in {answer.body}"
    if answer.status >= 400:
        assert isinstance(answer.body.get("code"), str), f"{answer.label}: an error without a code: {answer.body}"


def _rebase(schema: Any) -> Any:
    """Local references (#/components/...) made absolute, so they resolve in the registry."""
    if isinstance(schema, dict):
        return {k: ("urn:contract" + v if k == "$ref" and v.startswith("#") else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def answers(servers: Dict[str, str]) -> Dict[str, List[Answer]]:
    return {kind: scenario(base) for kind, base in servers.items()}


@pytest.mark.parametrize("kind", ["express", "fastapi"])
def test_every_answer_is_in_the_contract(answers: Dict[str, List[Answer]], kind: str) -> None:
    for answer in answers[kind]:
        _validate(answer)


def test_both_servers_answer_alike(answers: Dict[str, List[Answer]]) -> None:
    express, fastapi = answers["express"], answers["fastapi"]
    assert [a.label for a in express] == [a.label for a in fastapi]
    different = [
        f"{e.label}: express {e.shape()} / fastapi {f.shape()}"
        for e, f in zip(express, fastapi) if e.shape() != f.shape()
    ]
    assert not different, "\n".join(different)
    # The scenario reaches the answers it is meant to (a sample; the rest is compared above).
    by_label = {a.label: a for a in express}
    assert by_label["sign up again"].shape()[:2] == (409, "already_exists")
    assert by_label["sign up, no password"].body["field"] == "password"
    assert by_label["verify, no code"].body["field"] == "code"
    assert by_label["verify, wrong code"].body["attemptsRemaining"] >= 1
    assert by_label["verify, replayed code"].status == 401
    assert by_label["too large"].shape()[:2] == (413, "invalid_input")
    assert by_label["too large, chunked"].shape()[:2] == (413, "invalid_input")
    for label in ("cross-site", "cross-site, not JSON", "cross-site, too large", "cross-site, no Origin", "cross-site, Origin null",
                  "cross-site delete", "cross-site rename"):
        assert by_label[label].shape()[:2] == (403, "forbidden_origin"), label
    # No account enumeration: an unknown email is answered as a wrong password is.
    assert by_label["sign in, unknown email"].shape() == by_label["sign in, wrong password"].shape()
    # The session cookie over plain http on loopback: HttpOnly, SameSite=Lax, Path=/.
    assert by_label["verify"].cookie == "session; httponly; path=/; samesite=lax", by_label["verify"].cookie
    assert by_label["unknown route"].shape()[:2] == (404, "not_found")
    assert by_label["sign in, not JSON"].shape()[:2] == (400, "invalid_input")
    assert by_label["session, ended"].status == 401
    assert by_label["disable"].status == 200


def _contract_operations() -> Set[Tuple[str, str]]:
    return {(method.upper(), path) for path, item in CONTRACT["paths"].items() for method in item}


def test_fastapi_schema_has_the_contracts_routes_and_fields(servers: Dict[str, str]) -> None:
    generated = httpx.get(f"{servers['fastapi']}/openapi.json").json()
    routes = {(m.upper(), p) for p, item in generated["paths"].items() for m in item
              if m in ("get", "post", "put", "patch", "delete")}
    renamed = {(m, re.sub(r"\{[a-z_]+\}", "{id}", p)) for m, p in routes}
    assert renamed == _contract_operations()
    schemas = generated["components"]["schemas"]
    for path, item in generated["paths"].items():
        for method, operation in item.items():
            ours = CONTRACT["paths"][re.sub(r"\{[a-z_]+\}", "{id}", path)][method]
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            schema = content["schema"]
            if "anyOf" in schema:  # an optional body
                schema = next(s for s in schema["anyOf"] if "$ref" in s)
            model = schemas[schema["$ref"].rsplit("/", 1)[1]]
            declared = ours["requestBody"]["content"]["application/json"]["schema"]
            assert set(model["properties"]) <= set(declared["properties"]), (path, method, set(model["properties"]) - set(declared["properties"]))
            assert set(model.get("required", [])) == set(declared.get("required", [])), (path, method)


def test_express_router_has_the_contracts_routes(tmp_path: Path) -> None:
    script = (
        "import(process.argv[1]).then(({ app }) => {"
        " const out = [];"
        " for (const layer of app.router.stack) if (layer.route)"
        "  for (const m of Object.keys(layer.route.methods)) out.push([m.toUpperCase(), layer.route.path]);"
        " console.log(JSON.stringify(out)); process.exit(0) })"
    )
    out = subprocess.run(
        ["node", "-e", script, str(ROOT / "examples" / "express" / "server.js")],
        cwd=ROOT / "examples" / "express", capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, **ENV, "PLINTO_DATABASE": str(tmp_path / "routes.db")},
    ).stdout
    routes = {(m, re.sub(r":[a-zA-Z]+", "{id}", p)) for m, p in json.loads(out.strip().splitlines()[-1])}
    assert routes == _contract_operations()
