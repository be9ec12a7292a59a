//! The store's transactions on a thread that must not wait (see [`wait`]): each case that
//! would wait is refused before it changes anything.

use super::*;
use crate::store::wait::{self, without_waiting};

fn user(id: &str) -> crate::store::UserRow {
    crate::store::UserRow::new(
        id.into(),
        format!("{id}@example.com"),
        "x".into(),
        "user".into(),
        0,
    )
}

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
    // Commits that may wait, until the log is long enough to be checkpointed.
    while signal.quiet() {
        let n = commit(&backend)?;
        assert!(n < 20_000, "the log was never checkpointed");
    }
    let (_, catch_ups, inline) = signal.counts();
    // From the thread's pass until the log has started again, nothing commits at once.
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_ckpt"))));
    assert!(out.is_none());
    assert!(!exists(&backend, "usr_ckpt")?);
    assert_eq!(signal.counts().1, catch_ups);
    assert_eq!(signal.counts().2, inline);
    // Commits that may wait catch up and start the log again; then one commits at once.
    let mut rounds = 0;
    while !signal.quiet() {
        std::thread::sleep(Duration::from_millis(1));
        commit(&backend)?;
        rounds += 1;
        assert!(rounds < 10_000, "the log was never caught up");
    }
    assert!(signal.counts().1 > catch_ups);
    let out = without_waiting(|| backend.write(&mut |tx| tx.insert_user(&user("usr_ckpt"))));
    assert!(matches!(out, Some(Ok(()))));
    Ok(())
}
