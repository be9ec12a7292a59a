"""The event loop stays responsive while passwords hash: 8 concurrent sign-ins with the
default argon2id cost (19 MiB, t=2) run in worker threads with the GIL released, while a
1 ms ticker measures how late the loop wakes it. The figures are printed; the same sign-ins
run on the loop's thread show what a blocked loop looks like to the ticker."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Awaitable, Callable, List, Tuple

import pytest

import plinto
from conftest import PASSWORD, unique_email

USERS = 8
TICK = 0.001
LIMIT = 0.010


async def _measure(work: Callable[[], Awaitable[object]]) -> Tuple[float, float, int]:
    """Runs ``work`` while ticking every 1 ms; returns (max lag, elapsed, ticks)."""
    lags: List[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(time.perf_counter() - start - TICK)

    tick = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.02)  # ticker running before the work starts
    lags.clear()
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    done.set()
    await tick
    return max(lags), elapsed, len(lags)


def test_loop_lag_while_eight_sign_ins_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Default password cost: no cheap parameters here.
    client = plinto.Plinto(database=tmp_path / "lag.db", secret_key="11" * 32)
    emails = [unique_email("lag") for _ in range(USERS)]
    for email in emails:
        client.auth_sync.sign_up(email, PASSWORD)

    async def concurrent() -> object:
        results = await asyncio.gather(*(client.auth.sign_in(e, PASSWORD) for e in emails))
        assert all(r.session is not None for r in results)
        return results

    async def blocking() -> object:
        # The same work on the loop's own thread, to show what the ticker sees then.
        return [client.auth_sync.sign_in(e, PASSWORD) for e in emails]

    async def run() -> Tuple[List[Tuple[float, float, int]], Tuple[float, float, int]]:
        # Warm-up, unmeasured: the default executor starts its threads on first use, and
        # Thread.start() waits on the loop's thread until each new thread runs.
        await concurrent()
        runs = []
        for _ in range(3):
            runs.append(await _measure(concurrent))
            if runs[-1][0] < LIMIT:  # quiet enough: no retry needed
                break
        return runs, await _measure(blocking)

    # Other processes on a small machine (compilers, say) also delay the loop's wake-ups; that
    # is not what this measures. Where allowed (root or CAP_SYS_NICE), the test runs at a
    # higher priority than such processes. The loop and the hashing threads (created from
    # this thread, so they inherit it) stay at the same priority as each other, so their
    # contention is still measured as it is.
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, min(before, -10))
        priority = "raised above other processes"
    except OSError:
        priority = "normal"
    try:
        runs, blocked = asyncio.run(run())
    finally:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, before)
        except OSError:  # pragma: no cover
            pass
    with capsys.disabled():
        for i, (lag, elapsed, ticks) in enumerate(runs, 1):
            print(
                f"\nloop lag, {USERS} concurrent sign-ins (default argon2id), run {i}: "
                f"max {lag * 1000:.2f} ms over {ticks} ticks, sign-ins took {elapsed * 1000:.0f} ms"
                f" (test priority: {priority})"
            )
        print(
            f"loop lag, same sign-ins blocking the loop: max {blocked[0] * 1000:.1f} ms "
            f"(took {blocked[1] * 1000:.0f} ms)"
        )
    best = min(lag for lag, _, _ in runs)
    # One sign-in's hash, timed on the loop's thread: a loop that ran the hashing itself would
    # stall at least that long. The limit is 10 ms, or half a hash when other load on the
    # machine makes hashes slower than 20 ms.
    per_hash = blocked[1] / USERS
    limit = max(LIMIT, per_hash / 2)
    # The ticker does see a blocked loop above the limit, so passing below it means something.
    assert blocked[0] > limit
    # Noise from other load on a small machine is retried up to three times.
    assert best < limit, f"max loop lag {best * 1000:.2f} ms (limit {limit * 1000:.1f} ms)"


def test_a_brief_operation_runs_at_once_and_one_that_would_wait_in_a_thread(
    tmp_path: Path,
) -> None:
    """At durability ``normal`` a verification on a free database runs on the loop's thread
    (``call_now`` answers it); a replay, which notifies the user, and anything at ``full``
    go to a worker thread, with the results they always have."""
    from conftest import enroll, new_client

    notes: List[str] = []

    async def notify(n: plinto.Notification) -> None:
        notes.append(n.kind)

    client = new_client(tmp_path, sqlite=True, storage={"durability": "normal"}, notifier=notify)
    user = enroll(client.auth_sync)
    code = user.totp.at(user.t0 + 30)
    args = '{"userId": "%s", "method": "totp", "code": "%s"}' % (user.user_id, code)
    engine = client._native_engine()
    assert engine.call_now("sign_in", '{"email": "x@example.com", "password": "y"}') is None

    async def verify() -> plinto.VerifyMfaResult:
        return await client.auth.verify_mfa("totp", code, user_id=user.user_id)

    first = engine.call_now("verify_mfa", args)
    assert first is not None and '"success":true' in first
    # The same code again: a replay, refused at once for its notification, then counted on
    # a worker thread, where the notifier hears of it.
    assert engine.call_now("verify_mfa", args) is None
    replay = asyncio.run(verify())
    assert replay.success is False
    assert notes == ["factor_added", "totp_reuse"]

    (tmp_path / "full").mkdir()
    full = new_client(tmp_path / "full", sqlite=True)
    other = enroll(full.auth_sync)
    later = other.totp.at(other.t0 + 30)
    full_args = '{"userId": "%s", "method": "totp", "code": "%s"}' % (other.user_id, later)
    assert full._native_engine().call_now("verify_mfa", full_args) is None
    # Nothing was used up by the refusal: the coroutine, on a thread, accepts the code.
    done = asyncio.run(full.auth.verify_mfa("totp", later, user_id=other.user_id))
    assert done.success is True


def test_only_brief_coroutines_reach_the_engine_on_the_loops_thread(tmp_path: Path) -> None:
    """Settings, sign-ins and every other operation go to a worker thread before they touch
    the engine; a verification, a session check or a status is tried on the loop's thread."""
    import threading

    from conftest import enroll, new_client

    client = new_client(tmp_path, sqlite=True, storage={"durability": "normal"})
    user = enroll(client.auth_sync)
    token = client.auth_sync.sign_up(unique_email(), PASSWORD).session.token
    code = user.totp.at(user.t0 + 30)
    engine = client._native_engine
    threads: List[str] = []

    def noting() -> object:
        threads.append(threading.current_thread().name)
        return engine()

    setattr(client, "_native_engine", noting)

    async def calls() -> List[Tuple[str, List[str]]]:
        seen: List[Tuple[str, List[str]]] = []
        for name, call in [
            ("configure", lambda: client.auth.mfa.configure(security={"step_up_max_age_seconds": 600})),
            ("get_user", lambda: client.auth.get_user(user.user_id)),
            ("list_sessions", lambda: client.auth.list_sessions(user.user_id)),
            ("verify_session", lambda: client.auth.verify_session(token)),
            ("get_mfa_status", lambda: client.auth.get_mfa_status(user.user_id)),
            (
                "verify_mfa",
                lambda: client.auth.verify_mfa("totp", code, user_id=user.user_id),
            ),
        ]:
            threads.clear()
            await call()
            seen.append((name, list(threads)))
        return seen

    loop_thread = threading.current_thread().name
    seen = dict(asyncio.run(calls()))
    for name in ("configure", "get_user", "list_sessions"):
        assert seen[name] and loop_thread not in seen[name], (name, seen[name])
    for name in ("verify_session", "get_mfa_status", "verify_mfa"):
        assert seen[name] == [loop_thread], (name, seen[name])
