//! The store's transactions on a thread that must not wait (see [`wait`]): each case that
//! would wait is refused before it changes anything.

use super::tests::{checkpointing_alone, log_restarts, test_user as user, until_the_pass_ends};
use super::*;
use crate::store::wait::{self, without_waiting};

/// A file store at durability `normal`, its write and read connections open.
fn normal_file(dir: &tempfile::TempDir) -> Result<SqliteBackend> {
    let path = dir.path().join("w.db");
    let backend = SqliteBackend::open(&path.to_string_lossy(), &StorageConfig::default())?;
    backend.apply(&StorageConfig {
        durability: Durability::Normal,
        ..StorageConfig::default()
    });
    backend.write(&mut |tx| tx.insert_user(&user("usr_first")))?;
    backend.read(&mut |tx| tx.user_by_id("usr_first").map(|_| ()))?;
    Ok(backend)
}

fn exists(backend: &SqliteBackend, id: &str) -> Result<bool> {
    let mut found = false;
    backend.read(&mut |tx| {
        found = tx.user_by_id(id)?.is_some();
        Ok(())
    })?;
    Ok(found)
}

fn tempdir() -> Result<tempfile::TempDir> {
    tempfile::tempdir().map_err(|e| MfaError::internal(e.to_string()))
}

#[test]
fn a_free_file_at_durability_normal_commits_at_once() -> Result<()> {
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_now"))));
    assert!(matches!(out, Some(Ok(()))));
    assert!(exists(&backend, "usr_now")?);
    Ok(())
}

#[test]
fn no_transaction_begins_after_a_refusal() -> Result<()> {
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    let out = without_waiting(|| {
        let _ = wait::refuse();
        // An operation that swallowed the refusal and went on: its write fails at once.
        let read = backend.read(&mut |_| Ok(()));
        let write = backend.write(&mut |tx| tx.insert_user(&user("usr_after")));
        (read.is_err(), write.is_err())
    });
    assert_eq!(out, None);
    assert!(!exists(&backend, "usr_after")?);
    Ok(())
}

#[test]
fn an_in_memory_read_is_not_a_commit() -> Result<()> {
    let backend = SqliteBackend::open(":memory:", &StorageConfig::default())?;
    backend.write(&mut |tx| tx.insert_user(&user("usr_mem")))?;
    let out = without_waiting(|| {
        let read = backend.read(&mut |tx| tx.user_by_id("usr_mem").map(|_| ()));
        // Only a write makes the call's result stand: this refusal still discards it.
        let _ = wait::refuse();
        read
    });
    assert!(out.is_none());
    Ok(())
}

#[test]
fn a_writer_busy_on_another_thread_is_refused_at_once() -> Result<()> {
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    let (held, hold) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    std::thread::scope(|s| {
        s.spawn(|| {
            let _st = lock(&backend.writer.state);
            held.wait();
            hold.wait();
        });
        held.wait();
        let started = std::time::Instant::now();
        let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_busy"))));
        assert!(out.is_none());
        assert!(started.elapsed() < Duration::from_secs(1));
        hold.wait();
    });
    assert!(!exists(&backend, "usr_busy")?);
    Ok(())
}

#[test]
fn durability_full_is_refused_before_the_transaction_begins() -> Result<()> {
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    backend.apply(&StorageConfig::default());
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_full"))));
    assert!(out.is_none());
    assert!(!exists(&backend, "usr_full")?);
    Ok(())
}

#[test]
fn commits_while_the_log_is_checkpointed_go_to_a_thread() -> Result<()> {
    let _alone = checkpointing_alone();
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    let signal = Arc::clone(&backend.writer.checkpoints);
    let mut n = 0;
    let mut commit = |backend: &SqliteBackend| {
        n += 1;
        let id = format!("usr_{n:05}");
        backend
            .write(&mut |tx| tx.insert_user(&user(&id)))
            .map(|()| n)
    };
    // Commits that may wait, until the log is long enough to be checkpointed and the
    // thread's pass has ended.
    while signal.quiet() {
        let n = commit(&backend)?;
        assert!(n < 20_000, "the log was never checkpointed");
    }
    // From the end of the pass until the log has started again, nothing commits at once.
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_ckpt"))));
    assert!(out.is_none());
    assert!(!exists(&backend, "usr_ckpt")?);
    // Commits that may wait catch up and start the log again; then one commits at once.
    let mut rounds = 0;
    while !signal.quiet() {
        std::thread::sleep(Duration::from_millis(1));
        commit(&backend)?;
        rounds += 1;
        assert!(rounds < 10_000, "the log was never caught up");
    }
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_ckpt"))));
    assert!(matches!(out, Some(Ok(()))));
    Ok(())
}

#[test]
fn the_log_stays_short_when_most_commits_run_at_once() -> Result<()> {
    let _alone = checkpointing_alone();
    // A binding's loop: each commit is tried at once and, refused, run where it may wait.
    let dir = tempdir()?;
    let backend = normal_file(&dir)?;
    let wal = std::path::PathBuf::from(format!("{}-wal", dir.path().join("w.db").display()));
    let (mut at_once, mut largest_log) = (0, 0);
    let total = 6_000;
    for n in 0..total {
        let id = format!("usr_{n:05}");
        let mut insert = |tx: &mut dyn Tx| tx.insert_user(&user(&id));
        match without_waiting(|| backend.write(&mut insert)) {
            Some(done) => {
                done?;
                at_once += 1;
            }
            None => backend.write(&mut insert)?,
        }
        largest_log = largest_log.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        until_the_pass_ends(&backend);
    }
    // The catch-ups and restarts were left to the commits that may wait (two after each of
    // the thread's passes), and the log kept starting again from near the wake threshold
    // (4 KiB pages).
    assert!(at_once > total / 2, "{at_once} of {total} ran at once");
    assert!(log_restarts(&wal) >= 2, "the log did not start again");
    assert!(
        largest_log < 2 * 1_000 * 4096,
        "the log grew to {largest_log} bytes"
    );
    let mut count = 0;
    backend.read(&mut |tx| {
        count = (0..total)
            .filter(|n| {
                tx.user_by_id(&format!("usr_{n:05}"))
                    .is_ok_and(|u| u.is_some())
            })
            .count();
        Ok(())
    })?;
    assert_eq!(count, total);
    Ok(())
}
