"""End-to-end flows through the package on the real native engine and temp SQLite files.
TOTP codes come from pyotp, an implementation independent of the engine's."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import time
from pathlib import Path
from typing import Any, Callable, Dict

import pyotp
import pytest

import plinto
from conftest import PASSWORD, enroll, new_client, unique_email


def test_async_flow_signup_totp_signin_challenge_backup(client: plinto.Plinto) -> None:
    async def flow() -> None:
        auth = client.auth
        email = unique_email()
        up = await auth.sign_up(email, PASSWORD)
        assert up.user.email == email
        assert up.user["id"] == up.user.id and up.user.id.startswith("usr_")
        assert up.session.token and up.session.expires_in > 0
        assert up.user.mfa_enabled is False

        setup = await auth.enableMFA(user_id=up.user.id, method="totp", label="MyApp")
        assert setup.success and setup.method == "totp"
        assert setup.qr_code_url and setup.qr_code_url.startswith("otpauth://totp/MyApp:")
        assert setup.qr_code_data_url and setup.qr_code_data_url.startswith("data:image/svg+xml")
        assert setup.secret
        totp = pyotp.TOTP(setup.secret)
        t0 = time.time()

        wrong = await auth.verifyMFA(user_id=up.user.id, method="totp", code="000000")
        if totp.verify("000000", valid_window=1):  # pragma: no cover - one in 10^6
            pytest.skip("pyotp produced 000000")
        assert wrong.success is False and wrong.error == "mfa_invalid_code"

        confirmed = await auth.verifyMFA(user_id=up.user.id, method="totp", code=totp.at(t0))
        assert confirmed.success
        assert confirmed.backup_codes and len(confirmed.backup_codes) == 10
        assert confirmed.session is None
        backup = list(confirmed.backup_codes)

        status = await auth.getMFAStatus(user_id=up.user.id)
        assert status.enabled is True
        assert status.methods == ["totp", "backup"]
        assert status.backup_codes_remaining == 10
        assert status.setup_date and status.totp_devices[0].name == "MyApp"

        signin = await auth.sign_in(email, PASSWORD)
        assert signin.requires_mfa and signin.session_id and signin.session is None
        assert signin.mfa_methods == ["totp", "backup"]
        # A pending sign-in is not a session: not valid, no user, only its methods.
        pending = await auth.verify_session(signin.session_id)
        assert not pending.valid and pending.state == "mfa_pending" and pending.requires_mfa
        assert pending.user is None and pending.mfa_methods == ["totp", "backup"]

        done = await auth.mfa.challenge(
            session_id=signin.session_id, method="totp", code=totp.at(t0 + 30)
        )
        assert done.success and done.session is not None and done.user is not None
        assert done.user.id == up.user.id
        info = await auth.verify_session(done.session.token)
        assert info.valid and info.mfa_verified and info.mfa_completed
        assert info.user is not None and info.user["id"] == up.user.id
        await auth.require_recent_mfa(done.session.token, max_age=60)

        # The same time step is never accepted twice.
        again = await auth.sign_in(email, PASSWORD)
        replay = await auth.mfa.challenge(
            session_id=again.session_id, method="totp", code=totp.at(t0 + 30)
        )
        assert replay.success is False

        # A backup code works once.
        used = await auth.verifyMFA(session_id=again.session_id, method="backup", code=backup[0])
        assert used.success and used.session is not None
        third = await auth.sign_in(email, PASSWORD)
        refused = await auth.verifyMFA(session_id=third.session_id, method="backup", code=backup[0])
        assert refused.success is False
        assert refused.error == "mfa_backup_code_already_used"
        assert (await auth.getMFAStatus(user_id=up.user.id)).backup_codes_remaining == 9

        regenerated = await auth.regenerateMFABackupCodes(user_id=up.user.id, count=4)
        assert len(regenerated.codes) == 4 and regenerated.generated_at

        events = await auth.list_audit_events(up.user.id, limit=50)
        actions = {e.action for e in events}
        assert {"sign_up", "mfa_enable", "mfa_activate", "sign_in"} <= actions
        assert all(isinstance(e, plinto.AuditEvent) for e in events)

        await auth.verify_password(user_id=up.user.id, password=PASSWORD)
        off = await auth.disableMFA(user_id=up.user.id, confirmation_code=regenerated.codes[0])
        assert off.success and off.disabled_at
        assert (await auth.getMFAStatus(user_id=up.user.id)).enabled is False
        # Turning MFA off ended the user's sessions (no session was named to keep).
        assert (await auth.verify_session(done.session.token)).valid is False
        assert (await auth.sign_out(done.session.token)).success is False

    asyncio.run(flow())


def test_lockout_after_five_wrong_codes(client: plinto.Plinto) -> None:
    auth = client.auth_sync
    user = enroll(auth)
    signin = auth.sign_in(user.email, PASSWORD)
    assert signin.session_id
    right = user.totp.at(user.t0 + 30)
    wrong = "999999" if right != "999999" else "888888"
    remaining = []
    for _ in range(5):
        r = auth.verify_mfa(session_id=signin.session_id, method="totp", code=wrong)
        assert r.success is False
        remaining.append(r.attempts_remaining)
    assert remaining == [4, 3, 2, 1, 0]
    assert r.rate_limited is True
    assert r.retry_after is not None and 850 <= r.retry_after <= 900

    # Locked: even the right code is refused, reported as a result.
    locked = auth.verify_mfa(session_id=signin.session_id, method="totp", code=right)
    assert locked.success is False and locked.rate_limited
    assert locked.error == "mfa_rate_limited" and locked.retry_after

    # Operations that fail as exceptions raise RateLimitedError with retry_after.
    with pytest.raises(plinto.RateLimitedError) as err:
        auth.disable_mfa(user.user_id, right, PASSWORD)
    assert err.value.code == "mfa_rate_limited"
    assert err.value.retry_after is not None and err.value.retry_after > 0


def test_password_lockout_raises_rate_limited(client: plinto.Plinto) -> None:
    auth = client.auth_sync
    user = auth.sign_up(unique_email(), PASSWORD).user
    for _ in range(5):
        with pytest.raises(plinto.InvalidCredentialsError):
            auth.verify_password(user.id, "wrong password")
    with pytest.raises(plinto.RateLimitedError) as err:
        auth.verify_password(user.id, PASSWORD)
    assert err.value.retry_after and err.value.retry_after > 0


def test_sync_twin(client: plinto.Plinto) -> None:
    auth = client.auth_sync
    user = enroll(auth)
    signin = auth.sign_in(user.email, PASSWORD)
    done = auth.mfa.challenge(
        session_id=signin.session_id, method="totp", code=user.totp.at(user.t0 + 30)
    )
    assert done.success and done.session
    assert auth.verify_session(done.session.token).mfa_verified
    assert auth.get_user(user.user_id).mfa_methods == ["totp", "backup"]
    assert auth.should_require_mfa(plinto.MfaLevel.ADMIN_ONLY, "admin") is True
    assert auth.should_require_mfa("admin_only", "user") is False
    assert auth.delete_user(user.user_id).success
    with pytest.raises(plinto.NotFoundError):
        auth.get_user(user.user_id)


def test_results_are_json_ready_dicts(client: plinto.Plinto) -> None:
    up = client.auth_sync.sign_up(unique_email(), PASSWORD)
    assert isinstance(up, dict) and isinstance(up.user, dict)
    text = json.dumps({"user": up.user, "session": up.session})
    assert json.loads(text)["session"]["token"] == up.session.token
    plain = up.to_dict()
    assert type(plain) is dict and type(plain["user"]) is dict
    assert plain["user"]["mfa_methods"] == []
    # Every key is snake_case, recursively.
    def keys(v: Any) -> set:
        if isinstance(v, dict):
            return set(v) | set().union(*(keys(x) for x in v.values()))
        return set()
    assert all(k == k.lower() for k in keys(plain))
    with pytest.raises(AttributeError):
        _ = up.user.password_hash


def test_configure_and_options(tmp_path: Path) -> None:
    client = new_client(tmp_path, rate_limiting={"max_attempts": 3})
    auth = client.auth_sync
    user = enroll(auth)
    signin = auth.sign_in(user.email, PASSWORD)
    results = [
        auth.verify_mfa(session_id=signin.session_id, method="totp", code="12345")
        for _ in range(3)
    ]
    assert results[-1].rate_limited
    applied = auth.mfa.configure({"backupCodes": {"count": 6}}, sessions={"ttl_seconds": 120})
    assert applied.success and applied.applied_at
    assert auth.sign_up(unique_email(), PASSWORD).session.expires_in == 120
    with pytest.raises(plinto.InvalidInputError) as err:
        auth.mfa.configure(rate_limiting={"max_attempts": "five"})
    assert err.value.field == "rate_limiting.max_attempts"
    with pytest.raises(plinto.InvalidInputError) as err:
        plinto.Plinto(database=tmp_path / "x.db", secret_key="not a key")
    assert err.value.field == "secret_key"


def test_key_mismatch_and_bytes_key(tmp_path: Path) -> None:
    key = os.urandom(32)
    db = tmp_path / "k.db"
    plinto.Plinto(database=db, secret_key=key, **{"password": {"memory_kib": 64}})
    plinto.Plinto(database=db, secret_key=key.hex())
    with pytest.raises(plinto.MfaError) as err:
        plinto.Plinto(database=db, secret_key=os.urandom(32))
    assert err.value.code == "key_mismatch"


def in_child(body: Callable[[Dict[str, Any]], None], timeout: float = 60) -> Dict[str, Any]:
    """Runs ``body(report)`` in a forked child and returns the report it filled (with
    ``error`` if it raised); fails the test if the child hangs or exits badly."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        report: Dict[str, Any] = {}
        try:
            os.close(read_end)
            body(report)
        except BaseException as e:  # report everything, never return into pytest
            report["error"] = repr(e)
        finally:
            os.write(write_end, json.dumps(report).encode())
            os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], timeout)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        pytest.fail("the child hung")
    with os.fdopen(read_end) as pipe:
        got: Dict[str, Any] = json.loads(pipe.read() or "{}")
    _, status = os.waitpid(pid, 0)
    assert status == 0
    assert "error" not in got, got
    return got


def log_restarts(wal: Path) -> int:
    """The checkpoint sequence number in the header of the SQLite log at ``wal``: SQLite adds
    one each time the log starts again from its beginning, which it does only once every
    frame has been checkpointed."""
    with wal.open("rb") as f:
        header = f.read(16)
    return int.from_bytes(header[12:16], "big")


def test_a_fork_during_a_background_checkpoint_leaves_the_child_able_to_checkpoint(
    tmp_path: Path,
) -> None:
    """The parent's checkpoint thread is woken by the commit that takes the log past 1,000
    pages, and the fork lands at a different point of its pass each round: the child never
    hangs, and its own checkpoints let its log start again, twice (a checkpoint lock or SQLite
    mutex inherited from the parent's thread would stop them, and the log would only grow)."""
    frame = 4096 + 24
    for round_ in range(6):
        directory = tmp_path / f"round{round_}"
        directory.mkdir()
        client = new_client(directory, sqlite=True, storage={"durability": "normal"})
        auth = client.auth_sync
        wal = directory / "plinto.db-wal"
        while not wal.exists() or wal.stat().st_size < 1_000 * frame:
            auth.sign_up(unique_email("parent"), PASSWORD)
        # Into the pass (copying 1,000 pages and flushing takes milliseconds).
        time.sleep(0.0005 * (round_ + 1))

        def write_on(report: Dict[str, Any]) -> None:
            first = log_restarts(wal)
            # About 4 pages each: 6,000 sign-ups take the log three times past the 8,000 pages
            # at which a committer checkpoints itself, however slow the child's thread.
            for n in range(1, 6_001):
                client.auth_sync.sign_up(unique_email("child"), PASSWORD)
                if log_restarts(wal) - first >= 2:
                    break
            report["restarts"] = log_restarts(wal) - first
            report["sign_ups"] = n

        # A child whose thread is starved may need thousands of sign-ups before its committer
        # checkpoints: a hang is still caught.
        report = in_child(write_on, timeout=300)
        assert report["restarts"] >= 2, (round_, report)
        auth.sign_up(unique_email("parent"), PASSWORD)


def test_works_after_fork_in_child(tmp_path: Path) -> None:
    client = new_client(tmp_path)
    auth = client.auth_sync
    user = enroll(auth)  # the parent has opened and used its engine
    child_email = unique_email("child")

    def sign_in_there(report: Dict[str, Any]) -> None:
        async def in_child() -> None:
            up = await client.auth.sign_up(child_email, PASSWORD)
            signin = await client.auth.sign_in(user.email, PASSWORD)
            done = await client.auth.mfa.challenge(
                session_id=signin.session_id,
                method="totp",
                code=user.totp.at(user.t0 + 30),
            )
            report["signed_up"] = up.user.id
            report["email"] = child_email
            report["challenge"] = done.success
            report["own_engine"] = client._engine is not plinto._client._inherited[0]

        asyncio.run(in_child())

    report = in_child(sign_in_there)
    assert report["challenge"] is True and report["own_engine"] is True
    # The parent keeps working and sees what the child wrote.
    assert auth.get_user(report["signed_up"]).email == report["email"]
    again = auth.sign_in(report["email"], PASSWORD)
    assert again.session is not None


def test_rollout_import_and_audit_chain(tmp_path: Path) -> None:
    """The rollout's deadline, imported users (hashes made by other implementations) and the
    audit chain, through the package; buckets checked against the documented formula."""
    import hashlib

    client = new_client(tmp_path, security={"grace_period_days": 0})
    auth = client.auth_sync
    root = Path(__file__).resolve().parents[2]
    vectors = json.loads((root / "tests" / "vectors" / "rollout_buckets.json").read_text())
    for case in vectors["cases"]:
        digest = hashlib.sha256(f"plinto-rollout:{case['userId']}".encode()).digest()
        assert int.from_bytes(digest[:4], "big") % 100 == case["bucket"]

    hashes = json.loads((root / "tests" / "vectors" / "imported_password_hashes.json").read_text())
    lines = [json.dumps({"email": f"py{i}@example.com", "passwordHash": c["hash"]})
             for i, c in enumerate(hashes["cases"])]
    report = auth.import_users(data="\n".join(lines + ['{"email": "x@example.com", "bogus": 1}']))
    assert report.imported == len(hashes["cases"])
    assert [(i.line, i.field) for i in report.issues] == [(len(lines) + 1, "bogus")]

    auth.set_rollout(phase="required_all", percentage=100)
    signed_in = auth.sign_in("py0@example.com", hashes["password"])
    assert signed_in.session is not None and signed_in.mfa_enrollment is not None
    assert signed_in.mfa_enrollment.restricted is True
    info = auth.verify_session(signed_in.session.token)
    assert info.mfa_enrollment is not None and info.mfa_enrollment.required
    with pytest.raises(plinto.MfaError) as refused:
        auth.authorize(session_token=signed_in.session.token, operation="reports")
    assert refused.value.code == "mfa_setup_required"
    assert signed_in.user is not None
    rollout = auth.get_rollout(user_id=signed_in.user.id)
    assert rollout.user is not None
    digest = hashlib.sha256(f"plinto-rollout:{rollout.user.user_id}".encode()).digest()
    assert rollout.user.bucket == int.from_bytes(digest[:4], "big") % 100

    enforced = auth.enforce_rollout()
    assert enforced.done and enforced.scanned == len(hashes["cases"])
    stats = auth.get_rollout_stats(days=2)
    assert stats.users == len(hashes["cases"]) and stats.overdue == len(hashes["cases"])
    verified = auth.verify_audit()
    assert verified.valid and verified.head and len(verified.head) == 64
