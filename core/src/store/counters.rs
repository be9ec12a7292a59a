//! Decisions on stored counters that every backend shares: where an attempt scope stands
//! (window, lockout, progressive delay) and when a full resend window frees a place. A
//! backend reads the rows (locked as it must) and writes what these decide.

use super::{AttemptPolicy, Reservation, Scope};
use crate::error::Result;

/// One scope's stored counter: failures, window start, locked until, next attempt at.
pub(crate) type Counter = (i64, i64, i64, i64);

/// A scope with the failures and window start one more attempt would write.
pub(crate) type Planned<'s> = (&'s Scope, i64, i64);

/// Where a scope with `counter` (none stored yet: `None`) stands for a new attempt under
/// `policy`: refused (with the time), or the failures and window start the attempt writes.
pub(crate) fn standing(
    counter: Option<Counter>,
    now: i64,
    policy: AttemptPolicy,
) -> std::result::Result<(i64, i64), Reservation> {
    let (failures, start, locked_until, next_at) = counter.unwrap_or((0, now, 0, 0));
    if locked_until > now {
        return Err(Reservation::Locked {
            until: locked_until,
        });
    }
    if next_at > now && locked_until == 0 {
        return Err(Reservation::Wait { until: next_at });
    }
    let (failures, start) = if start + policy.window_secs <= now || locked_until > 0 {
        (0, now)
    } else {
        (failures, start)
    };
    if failures >= i64::from(policy.max_attempts) {
        return Err(Reservation::Locked {
            until: start + policy.window_secs,
        });
    }
    Ok((failures + 1, start))
}

/// The counters one more attempt in each scope (under its own policy) would write, or the
/// first refusal, from the counters `stored` reads (locked as the backend must).
pub(crate) fn plan<'s>(
    scopes: impl IntoIterator<Item = (&'s Scope, AttemptPolicy)>,
    now: i64,
    mut stored: impl FnMut(&Scope) -> Result<Option<Counter>>,
) -> Result<std::result::Result<Vec<Planned<'s>>, Reservation>> {
    let mut next = Vec::new();
    for (s, policy) in scopes {
        match standing(stored(s)?, now, policy) {
            Ok((failures, start)) => next.push((s, failures, start)),
            Err(refused) => return Ok(Err(refused)),
        }
    }
    Ok(Ok(next))
}

/// When a refused reservation may be tried again.
pub(crate) fn refused_until(refused: &Reservation, now: i64) -> i64 {
    match refused {
        Reservation::Locked { until } | Reservation::Wait { until } => *until,
        Reservation::Granted { .. } => now,
    }
}

/// The answer to a reservation whose every scope has room: the most attempts used.
pub(crate) fn granted(next: &[Planned<'_>]) -> Reservation {
    let used = next
        .iter()
        .map(|(_, failures, _)| *failures)
        .max()
        .unwrap_or(0);
    Reservation::Granted {
        used: u32::try_from(used).unwrap_or(u32::MAX),
    }
}

/// Attempts a scope with `counter` has used in the current window under `policy`.
pub(crate) fn used(counter: Counter, now: i64, policy: AttemptPolicy) -> i64 {
    let (failures, start, locked_until, _) = counter;
    if locked_until > now {
        i64::from(policy.max_attempts)
    } else if start + policy.window_secs > now && locked_until == 0 {
        failures
    } else {
        0
    }
}

/// When a resend window holding `count` sends (the oldest at `oldest`) has room again, if
/// it is full under `max`; `None` while it has room.
pub(crate) fn send_window_full(
    count: i64,
    oldest: Option<i64>,
    max: u32,
    window_secs: i64,
    now: i64,
) -> Option<i64> {
    (count >= i64::from(max)).then(|| oldest.unwrap_or(now) + window_secs)
}
