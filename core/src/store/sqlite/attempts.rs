//! Persisted attempt counters per scope (a user, a pending session), with lockouts.

use super::SqliteTx;
use crate::error::Result;
use crate::store::counters::{self, granted, Counter, Planned};
use crate::store::{AttemptPolicy, AttemptTx, Reservation, Scope};
use rusqlite::params;

fn counter(tx: &SqliteTx<'_>, scope: &str) -> Result<Option<Counter>> {
    tx.optional(
        "SELECT failures, window_start, locked_until, next_at FROM attempts WHERE scope = ?1",
        [scope],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
}

fn take(tx: &SqliteTx<'_>, scope: &Scope, failures: i64, start: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO attempts (scope, user_id, failures, window_start, locked_until, next_at) VALUES (?1, ?2, ?3, ?4, 0, 0)
         ON CONFLICT(scope) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = 0, next_at = 0",
        params![scope.key, scope.user_id, failures, start],
    )?;
    Ok(())
}

/// The counters one more attempt in every scope would write, or the first refusal.
fn plan<'s>(
    tx: &SqliteTx<'_>,
    scopes: &'s [Scope],
    now: i64,
    policy: AttemptPolicy,
) -> Result<std::result::Result<Vec<Planned<'s>>, Reservation>> {
    counters::plan(scopes.iter().map(|s| (s, policy)), now, |s| {
        counter(tx, &s.key)
    })
}

impl AttemptTx for SqliteTx<'_> {
    fn reserve_attempt(
        &mut self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation> {
        let next = match plan(self, scopes, now, policy)? {
            Ok(next) => next,
            Err(refused) => return Ok(refused),
        };
        for (s, failures, start) in &next {
            take(self, s, *failures, *start)?;
        }
        Ok(granted(&next))
    }

    fn attempt_standing(
        &mut self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation> {
        Ok(match plan(self, scopes, now, policy)? {
            Ok(next) => granted(&next),
            Err(refused) => refused,
        })
    }

    fn reserve_each(
        &mut self,
        scopes: &[(Scope, AttemptPolicy)],
        now: i64,
    ) -> Result<std::result::Result<Vec<u32>, i64>> {
        let planned = counters::plan(scopes.iter().map(|(s, p)| (s, *p)), now, |s| {
            counter(self, &s.key)
        })?;
        let next = match planned {
            Ok(next) => next,
            Err(refused) => return Ok(Err(counters::refused_until(&refused, now))),
        };
        let mut used = Vec::with_capacity(next.len());
        for (s, failures, start) in next {
            take(self, s, failures, start)?;
            used.push(u32::try_from(failures).unwrap_or(u32::MAX));
        }
        Ok(Ok(used))
    }

    fn clear_attempts(&mut self, user_id: &str, key: &str) -> Result<usize> {
        self.exec(
            "DELETE FROM attempts WHERE user_id = ?1 OR scope = ?2",
            params![user_id, key],
        )
    }

    fn release_attempt(&mut self, scope: &Scope) -> Result<()> {
        self.exec(
            "UPDATE attempts SET failures = MAX(failures - 1, 0) WHERE scope = ?1 AND locked_until = 0",
            [&scope.key],
        )?;
        Ok(())
    }

    fn lock_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "UPDATE attempts SET locked_until = MAX(locked_until, ?2) WHERE scope = ?1",
                params![s.key, until],
            )?;
        }
        Ok(())
    }

    fn delay_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "UPDATE attempts SET next_at = MAX(next_at, ?2) WHERE scope = ?1",
                params![s.key, until],
            )?;
        }
        Ok(())
    }

    fn reset_scopes(&mut self, scopes: &[Scope], now: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "DELETE FROM attempts WHERE scope = ?1 AND locked_until <= ?2",
                params![s.key, now],
            )?;
        }
        Ok(())
    }

    fn attempts_used(&mut self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32> {
        let mut used = 0i64;
        for s in scopes {
            if let Some(c) = counter(self, &s.key)? {
                used = used.max(counters::used(c, now, policy));
            }
        }
        Ok(u32::try_from(used).unwrap_or(u32::MAX))
    }
}
