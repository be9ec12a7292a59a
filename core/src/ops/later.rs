//! The core's threads for work that may wait and must not hold up the writer thread of
//! [`super::run_grouped`]: finishing a grouped call that sends notifications (the notifier or
//! the SMTP server answers in its own time), or a call whose writer thread could not start.
//!
//! Threads are started when a job finds none idle, up to [`MAX_THREADS`], and stay for the
//! life of the process. A child of `fork()` has none of its parent's threads: its first job
//! starts its own.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// Most threads the pool starts (a job that waits for a notifier holds its thread).
const MAX_THREADS: usize = 32;

type Job = Box<dyn FnOnce() + Send>;

struct Queue {
    /// The process the threads below belong to.
    pid: u32,
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Threads started (in `pid`).
    threads: usize,
}

struct Pool {
    queue: Mutex<Queue>,
    ready: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        queue: Mutex::new(Queue {
            pid: std::process::id(),
            jobs: VecDeque::new(),
            idle: 0,
            threads: 0,
        }),
        ready: Condvar::new(),
    })
}

fn lock(pool: &Pool) -> MutexGuard<'_, Queue> {
    pool.queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `job` on one of the core's threads (see the module notes). A job that panics ends
/// alone; its thread takes the next one. If no thread at all can be started, `job` runs on
/// the calling thread, as the last resort to its never running.
pub fn run_later(job: impl FnOnce() + Send + 'static) {
    let pool = pool();
    let mut queue = lock(pool);
    let pid = std::process::id();
    if queue.pid != pid {
        // A fork()ed child: the parent's threads and their jobs are not here.
        std::mem::forget(std::mem::take(&mut queue.jobs));
        *queue = Queue {
            pid,
            jobs: VecDeque::new(),
            idle: 0,
            threads: 0,
        };
    }
    queue.jobs.push_back(Box::new(job));
    if queue.idle >= queue.jobs.len() {
        drop(queue);
        pool.ready.notify_one();
        return;
    }
    if queue.threads < MAX_THREADS {
        let started = std::thread::Builder::new()
            .name("plinto-later".into())
            .spawn(move || work(pool));
        if started.is_ok() {
            queue.threads += 1;
            return;
        }
    }
    if queue.threads == 0 {
        // No thread at all: the job runs here rather than never.
        if let Some(job) = queue.jobs.pop_back() {
            drop(queue);
            let _ = catch_unwind(AssertUnwindSafe(job));
        }
    }
    // Otherwise every thread is busy: the next one free takes it.
}

/// A thread of the pool: runs jobs as they come.
fn work(pool: &'static Pool) {
    let mut queue = lock(pool);
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            drop(queue);
            let _ = catch_unwind(AssertUnwindSafe(job));
            queue = lock(pool);
            continue;
        }
        queue.idle += 1;
        queue = pool
            .ready
            .wait(queue)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        queue.idle -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::{Arc, Barrier};

    #[test]
    fn concurrent_jobs_run_on_as_many_threads_at_once() {
        // Sixteen jobs that each wait for all the others: only sixteen threads at once
        // finish them (a pool of four would wait forever; the timeout below says so).
        let n = 16;
        let all = Arc::new(Barrier::new(n));
        let (done, finished) = mpsc::channel();
        for i in 0..n {
            let (all, done) = (Arc::clone(&all), done.clone());
            run_later(move || {
                all.wait();
                let _ = done.send(i);
            });
        }
        let mut seen: Vec<usize> = (0..n)
            .map(|_| {
                finished
                    .recv_timeout(std::time::Duration::from_secs(10))
                    .unwrap_or(usize::MAX)
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
    }

    #[test]
    #[allow(clippy::panic)]
    fn a_job_that_panics_ends_alone() {
        run_later(|| panic!("in a job"));
        let (done, finished) = mpsc::channel();
        for _ in 0..3 {
            let done = done.clone();
            run_later(move || {
                let _ = done.send(());
            });
        }
        for _ in 0..3 {
            assert!(finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok());
        }
    }
}
