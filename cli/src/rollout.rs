//! `rollout …` and `stats`.

use crate::args::RolloutAction;
use crate::output::Output;
use plinto_mfa_core::api::{EnforceRolloutResult, RolloutStats, RolloutStatus, SetRolloutRequest};
use plinto_mfa_core::{Engine, MfaError};

/// `rollout status | set-phase | set-percentage | set-prompts | enforce`.
pub fn run(engine: &Engine, out: &Output, action: RolloutAction) -> Result<i32, MfaError> {
    let change = |r: SetRolloutRequest| {
        engine.set_rollout(&SetRolloutRequest {
            context: crate::context(),
            ..r
        })
    };
    let status = match action {
        RolloutAction::Status => engine.get_rollout(None)?,
        RolloutAction::SetPhase { phase } => change(SetRolloutRequest {
            phase: Some(phase),
            ..Default::default()
        })?,
        RolloutAction::SetPercentage { percentage } => change(SetRolloutRequest {
            percentage: Some(percentage),
            ..Default::default()
        })?,
        RolloutAction::SetPrompts { locations } => change(SetRolloutRequest {
            prompt_locations: Some(locations),
            ..Default::default()
        })?,
        RolloutAction::Enforce { batch, after } => return enforce(engine, out, batch, after),
    };
    out.answer(&status, describe);
    Ok(0)
}

fn describe(s: &RolloutStatus) -> String {
    format!(
        "phase {} since {}, {}% of users, prompts at [{}]\nrequireForAdmins {}, grace period {} days\n",
        s.phase,
        s.phase_started_at.as_deref().unwrap_or("(never set)"),
        s.percentage,
        s.prompt_locations.join(", "),
        s.require_for_admins,
        s.grace_period_days
    )
}

/// Pages through every user, `batch` at a time, showing progress.
fn enforce(
    engine: &Engine,
    out: &Output,
    batch: u32,
    after: Option<String>,
) -> Result<i32, MfaError> {
    let spinner = out.spinner("enforcing");
    let mut total = EnforceRolloutResult::default();
    let mut cursor = after;
    loop {
        let step =
            engine.enforce_rollout(cursor.as_deref(), Some(batch.max(1)), &crate::context())?;
        total.add_counts(&step);
        cursor = step.cursor.or(cursor);
        spinner.set_message(format!(
            "enforcing: {} users looked at, {} given a deadline (cursor {})",
            total.scanned,
            total.newly_required,
            cursor.as_deref().unwrap_or("-")
        ));
        if step.done {
            break;
        }
    }
    spinner.finish_and_clear();
    total.cursor = cursor;
    total.done = true;
    out.answer(&total, |t| {
        format!(
            "{} users: {} given a deadline now, {} required already, {} enrolled, {} not required",
            t.scanned, t.newly_required, t.already_required, t.enrolled, t.not_covered
        )
    });
    Ok(0)
}

/// `stats`: adoption, with enrollments per day as a bar chart.
pub fn stats(engine: &Engine, out: &Output, days: u32) -> Result<i32, MfaError> {
    let s = engine.get_rollout_stats(Some(days))?;
    out.answer(&s, chart);
    Ok(0)
}

fn chart(s: &RolloutStats) -> String {
    let pct = |n: u64| {
        if s.users == 0 {
            0.0
        } else {
            n as f64 * 100.0 / s.users as f64
        }
    };
    let mut t = format!(
        "phase {} at {}%: {} users\n  enrolled      {:>8} ({:.1}%)\n  within grace  {:>8}\n  overdue       {:>8}\n  prompted      {:>8}\n  not required  {:>8}\n",
        s.phase,
        s.percentage,
        s.users,
        s.enrolled,
        pct(s.enrolled),
        s.within_grace,
        s.overdue,
        s.prompted,
        s.not_required
    );
    let m = &s.by_method;
    t.push_str(&format!(
        "by method: totp {}, webauthn {}, sms {}, email {}, backup codes {}\nenrollments per day:\n",
        m.totp, m.webauthn, m.sms, m.email, m.backup
    ));
    let max = s
        .enrollments_per_day
        .iter()
        .map(|d| d.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for d in &s.enrollments_per_day {
        let width = usize::try_from(d.count * 40 / max).unwrap_or(40);
        t.push_str(&format!(
            "  {} {:>6} {}\n",
            d.date,
            d.count,
            "#".repeat(width)
        ));
    }
    t
}
