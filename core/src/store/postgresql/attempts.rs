//! Persisted attempt counters per scope (a user, a pending session), with lockouts.
//!
//! Every operation on a set of scopes first makes sure each has a row and locks them all, in
//! sorted key order: a reservation reads and then writes the counters, and on READ COMMITTED
//! two at once would otherwise both count from the same value.

use super::{get, PgTx};
use crate::error::Result;
use crate::store::counters::{self, granted, Counter, Planned};
use crate::store::{AttemptPolicy, AttemptTx, Reservation, Scope};
use std::collections::HashMap;

/// Locks the scopes' counters (creating empty ones, which count as no row) and returns them.
fn lock_counters(
    tx: &mut PgTx<'_, '_>,
    scopes: &[&Scope],
    now: i64,
) -> Result<HashMap<String, Counter>> {
    let mut sorted: Vec<&Scope> = scopes.to_vec();
    sorted.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    sorted.dedup_by(|a, b| a.key == b.key);
    let keys: Vec<&str> = sorted.iter().map(|s| s.key.as_str()).collect();
    let users: Vec<Option<&str>> = sorted.iter().map(|s| s.user_id.as_deref()).collect();
    tx.exec(
        "INSERT INTO attempts (scope, user_id, failures, window_start, locked_until, next_at)
         SELECT k, u, 0, $3, 0, 0 FROM unnest($1::text[], $2::text[]) AS t(k, u) ORDER BY k COLLATE \"C\"
         ON CONFLICT (scope) DO NOTHING",
        &[&keys, &users, &now],
    )?;
    tx.rows(
        "SELECT scope, failures, window_start, locked_until, next_at FROM attempts
         WHERE scope = ANY($1) ORDER BY scope FOR UPDATE",
        &[&keys],
    )?
    .iter()
    .map(|r| Ok((get(r, 0)?, (get(r, 1)?, get(r, 2)?, get(r, 3)?, get(r, 4)?))))
    .collect()
}

fn take(tx: &mut PgTx<'_, '_>, scope: &Scope, failures: i64, start: i64) -> Result<()> {
    tx.exec(
        "UPDATE attempts SET failures = $2, window_start = $3, locked_until = 0, next_at = 0 WHERE scope = $1",
        &[&scope.key, &failures, &start],
    )?;
    Ok(())
}

/// The counters one more attempt in every scope would write, or the first refusal.
fn plan<'s>(
    tx: &mut PgTx<'_, '_>,
    scopes: &'s [Scope],
    now: i64,
    policy: AttemptPolicy,
) -> Result<std::result::Result<Vec<Planned<'s>>, Reservation>> {
    let all: Vec<&Scope> = scopes.iter().collect();
    let stored = lock_counters(tx, &all, now)?;
    counters::plan(scopes.iter().map(|s| (s, policy)), now, |s| {
        Ok(stored.get(&s.key).copied())
    })
}

impl AttemptTx for PgTx<'_, '_> {
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
        // The scopes stay locked until the transaction ends, for the attempt counted later.
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
        let all: Vec<&Scope> = scopes.iter().map(|(s, _)| s).collect();
        let stored = lock_counters(self, &all, now)?;
        let planned = counters::plan(scopes.iter().map(|(s, p)| (s, *p)), now, |s| {
            Ok(stored.get(&s.key).copied())
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
        let n = self.exec(
            "DELETE FROM attempts WHERE user_id = $1 OR scope = $2",
            &[&user_id, &key],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn release_attempt(&mut self, scope: &Scope) -> Result<()> {
        self.exec(
            "UPDATE attempts SET failures = GREATEST(failures - 1, 0) WHERE scope = $1 AND locked_until = 0",
            &[&scope.key],
        )?;
        Ok(())
    }

    fn lock_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "UPDATE attempts SET locked_until = GREATEST(locked_until, $2) WHERE scope = $1",
                &[&s.key, &until],
            )?;
        }
        Ok(())
    }

    fn delay_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "UPDATE attempts SET next_at = GREATEST(next_at, $2) WHERE scope = $1",
                &[&s.key, &until],
            )?;
        }
        Ok(())
    }

    fn reset_scopes(&mut self, scopes: &[Scope], now: i64) -> Result<()> {
        for s in scopes {
            self.exec(
                "DELETE FROM attempts WHERE scope = $1 AND locked_until <= $2",
                &[&s.key, &now],
            )?;
        }
        Ok(())
    }

    fn attempts_used(&mut self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32> {
        let keys: Vec<&str> = scopes.iter().map(|s| s.key.as_str()).collect();
        let mut used = 0i64;
        for r in self.rows(
            "SELECT failures, window_start, locked_until, next_at FROM attempts WHERE scope = ANY($1)",
            &[&keys],
        )? {
            let c: Counter = (get(&r, 0)?, get(&r, 1)?, get(&r, 2)?, get(&r, 3)?);
            used = used.max(counters::used(c, now, policy));
        }
        Ok(u32::try_from(used).unwrap_or(u32::MAX))
    }
}
