"""make bench, Python side: the plinto package against pyotp + sqlite3 (and argon2-cffi for
sign-in), in one run. Prints one JSON object per line.

The workload is the Node side's "persisted TOTP verify": N users with a confirmed TOTP device;
one operation looks up the secret, checks the code with +-1 step, refuses a replayed step,
updates the attempt counters and writes an audit row. Each user's next code (the following
step) is verified once, computed before the clock starts. The peer uses its own database file
(two SQLite libraries in one process must never open the same file).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Tuple

import argon2
import pyotp

import plinto

USERS = int(os.environ.get("BENCH_USERS", "1000"))
# Each measure alternates ours and the peer this many times (USERS operations each) and reports
# medians: the machine's speed drifts within a run, and a single pair would measure the drift.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SIGN_INS = int(os.environ.get("BENCH_SIGN_INS", "20"))
KEY = "42" * 32
PASSWORD = "Bench-Password-1"
OWASP = {"memory_kib": 19456, "iterations": 2, "parallelism": 1}


def emit(name: str, **fields: Any) -> None:
    print(json.dumps({"lang": "python", "name": name, **fields}), flush=True)


def next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


def ours_with(directory: str, durability: str) -> Tuple[plinto.Plinto, List[Tuple[str, str]]]:
    """A fresh database with USERS enrolled users: the instance and (user id, code) pairs."""
    client = plinto.Plinto(
        database=os.path.join(directory, f"ours-{durability}-{os.urandom(4).hex()}.db"),
        secret_key=KEY,
        password={"memoryKib": 64, "iterations": 1},
        storage={"durability": durability},
    )
    auth = client.auth_sync
    users: List[Tuple[str, str]] = []
    for i in range(USERS * ROUNDS):
        signed = auth.sign_up(f"u{i}@bench.example", PASSWORD)
        setup = auth.enable_mfa(signed.user.id, "totp", session_token=signed.session.token)
        secret = setup.secret or ""
        auth.verify_mfa(
            "totp", pyotp.TOTP(secret).now(), user_id=signed.user.id, session_token=signed.session.token
        )
        users.append((signed.user.id, secret))
    return client, [(uid, next_code(secret)) for uid, secret in users]


def peer_with(directory: str, synchronous: str) -> Tuple[Callable[[str, str], bool], List[Tuple[str, str]]]:
    """The same workload written directly on pyotp and sqlite3."""
    db = sqlite3.connect(
        os.path.join(directory, f"peer-{synchronous}-{os.urandom(4).hex()}.db"),
        isolation_level=None,
        check_same_thread=False,
    )
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    db.executescript(
        """CREATE TABLE users (id TEXT PRIMARY KEY, secret TEXT NOT NULL, last_step INTEGER NOT NULL DEFAULT 0);
           CREATE TABLE attempts (user_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start INTEGER NOT NULL);
           CREATE TABLE audit (id INTEGER PRIMARY KEY, user_id TEXT, action TEXT, success INTEGER, created_at INTEGER)"""
    )
    users = [(f"u{i}", pyotp.random_base32()) for i in range(USERS * ROUNDS)]
    db.execute("BEGIN")
    db.executemany("INSERT INTO users (id, secret) VALUES (?, ?)", users)
    db.execute("COMMIT")
    lock = threading.Lock()

    def verify(user_id: str, code: str) -> bool:
        with lock:
            now = int(time.time())
            db.execute("BEGIN IMMEDIATE")
            try:
                secret, last_step = db.execute(
                    "SELECT secret, last_step FROM users WHERE id = ?", (user_id,)
                ).fetchone()
                db.execute(
                    """INSERT INTO attempts (user_id, failures, window_start) VALUES (?, 1, ?)
                       ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1""",
                    (user_id, now),
                )
                totp = pyotp.TOTP(secret)
                step = next(
                    (now // 30 + d for d in (-1, 0, 1) if totp.at(now + 30 * d) == code), None
                )
                ok = step is not None and step > last_step
                if ok:
                    db.execute("UPDATE users SET last_step = ? WHERE id = ?", (step, user_id))
                    db.execute("DELETE FROM attempts WHERE user_id = ?", (user_id,))
                db.execute(
                    "INSERT INTO audit (user_id, action, success, created_at) VALUES (?, ?, ?, ?)",
                    (user_id, "mfa_verify", int(ok), now),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return ok

    return verify, [(uid, next_code(secret)) for uid, secret in users]


def rate(n: int, started: float) -> float:
    return n / (time.perf_counter() - started)


def run_threads(pairs: List[Tuple[str, str]], callers: int, op: Callable[[str, str], bool]) -> float:
    """Operations per second with `callers` threads sharing the pairs."""
    failures: List[str] = []
    it = iter(pairs)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                item = next(it, None)
            if item is None:
                return
            if not op(*item):
                failures.append(item[0])

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ops = rate(len(pairs), started)
    if failures:
        raise SystemExit(f"{len(failures)} verifications failed")
    return ops


async def run_async(
    pairs: List[Tuple[str, str]], callers: int, op: Callable[[str, str], Any]
) -> float:
    """Operations per second with `callers` coroutines sharing the pairs."""
    it = iter(pairs)
    failures: List[str] = []

    async def worker() -> None:
        for uid, code in it:
            if not (await op(uid, code)).success:
                failures.append(uid)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(callers)))
    ops = rate(len(pairs), started)
    if failures:
        raise SystemExit(f"{len(failures)} verifications failed")
    return ops


def rounds(pairs: List[Tuple[str, str]], r: int) -> List[Tuple[str, str]]:
    """The pairs of round ``r``."""
    return pairs[r * USERS : (r + 1) * USERS]


def alternate(measures: List[Callable[[int], float]]) -> List[List[float]]:
    """Runs each measure (round index to ops/s) once per round, alternating."""
    figures: List[List[float]] = [[] for _ in measures]
    for r in range(ROUNDS):
        for k, measure in enumerate(measures):
            figures[k].append(measure(r))
    return figures


def summary(ours: List[float], peer: List[float]) -> Dict[str, Any]:
    """Medians of ours and the peer's rounds, and the median of the rounds' ratios."""
    return {
        "ours_ops": statistics.median(ours),
        "peer_ops": statistics.median(peer),
        "ratio": statistics.median(o / p for o, p in zip(ours, peer)),
        "rounds": len(ours),
    }


def verify_bench(directory: str) -> None:
    for durability, synchronous in (("normal", "NORMAL"), ("full", "FULL")):
        for callers in (1, 16):
            client, pairs = ours_with(directory, durability)
            auth = client.auth_sync
            verify, peer_pairs = peer_with(directory, synchronous)
            measures: List[Callable[[int], float]] = [
                lambda r: run_threads(
                    rounds(pairs, r),
                    callers,
                    lambda u, c: auth.verify_mfa("totp", c, user_id=u).success,
                ),
                lambda r: run_threads(rounds(peer_pairs, r), 1, verify),
            ]
            against_normal = durability == "full" and callers == 16
            if against_normal:
                normal, normal_pairs = peer_with(directory, "NORMAL")
                measures.append(lambda r: run_threads(rounds(normal_pairs, r), 1, normal))
            figures = alternate(measures)
            emit(
                "totp_verify",
                durability=durability,
                callers=callers,
                **summary(figures[0], figures[1]),
                peer=f"pyotp + sqlite3 (synchronous={synchronous})",
            )
            if against_normal:
                emit(
                    "totp_verify_full_vs_peer_normal",
                    callers=callers,
                    **summary(figures[0], figures[2]),
                    peer="pyotp + sqlite3 (synchronous=NORMAL)",
                )


def async_bench(directory: str) -> None:
    """The async API (asyncio.to_thread) against the blocking one and a dedicated executor,
    alternating on one database (a third of each round's users each)."""
    client, pairs = ours_with(directory, "normal")
    third = USERS // 3
    executor = ThreadPoolExecutor(max_workers=4)

    async def in_executor(u: str, code: str) -> Any:
        call = lambda: client.auth_sync.verify_mfa("totp", code, user_id=u)  # noqa: E731
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    def part(r: int, k: int) -> List[Tuple[str, str]]:
        return rounds(pairs, r)[k * third : (k + 1) * third]

    blocking, to_thread, dedicated = alternate(
        [
            lambda r: run_threads(
                part(r, 0),
                1,
                lambda u, code: client.auth_sync.verify_mfa("totp", code, user_id=u).success,
            ),
            lambda r: asyncio.run(
                run_async(
                    part(r, 1),
                    1,
                    lambda u, code: client.auth.verify_mfa("totp", code, user_id=u),
                )
            ),
            lambda r: asyncio.run(run_async(part(r, 2), 1, in_executor)),
        ]
    )
    executor.shutdown()
    results = {
        "blocking": statistics.median(blocking),
        "to_thread": statistics.median(to_thread),
        "executor": statistics.median(dedicated),
    }
    emit("async_api", callers=1, durability="normal", **{f"{k}_ops": v for k, v in results.items()})


def sign_in_bench(directory: str) -> None:
    client = plinto.Plinto(
        database=os.path.join(directory, "signin.db"),
        secret_key=KEY,
        password={"memoryKib": OWASP["memory_kib"], "iterations": OWASP["iterations"]},
    )
    client.auth_sync.sign_up("signin@bench.example", PASSWORD)
    hasher = argon2.PasswordHasher(
        time_cost=OWASP["iterations"],
        memory_cost=OWASP["memory_kib"],
        parallelism=OWASP["parallelism"],
        type=argon2.Type.ID,
    )
    digest = hasher.hash(PASSWORD)

    def per_call(f: Callable[[], Any]) -> float:
        started = time.perf_counter()
        for _ in range(SIGN_INS):
            f()
        return (time.perf_counter() - started) / SIGN_INS * 1000

    ours = per_call(lambda: client.auth_sync.sign_in("signin@bench.example", PASSWORD))
    theirs = per_call(lambda: hasher.verify(digest, PASSWORD))
    emit("sign_in", ours_ms=ours, peer_ms=theirs, peer="argon2-cffi, argon2id m=19456 t=2 p=1")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="plinto-bench-python-") as directory:
        verify_bench(directory)
        async_bench(directory)
        sign_in_bench(directory)


if __name__ == "__main__":
    main()
