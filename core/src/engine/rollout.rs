//! The MFA rollout: its persisted state, each user's standing (sign-in and `verify_session`
//! report it, `authorize` enforces it), batch enforcement and adoption statistics.

use super::Engine;
use crate::api::{
    DailyCount, EnforceRolloutResult, MethodCounts, MfaEnrollment, PhaseStart, RequestContext,
    RolloutStats, RolloutStatus, SetRolloutRequest, UserRollout,
};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::error::{MfaError, Result};
use crate::rollout::{self, Coverage, Phase, Plan, Standing};
use crate::store::{EnrollmentRequirement, RolloutRow, Tx, UserRow};
use std::collections::BTreeMap;

/// Users one enforcement or statistics transaction looks at.
const PAGE: u32 = 500;

/// The rollout's state, parsed.
#[derive(Debug, Clone, Default)]
struct State {
    phase: Phase,
    percentage: u32,
    prompt_locations: Vec<String>,
    phase_starts: BTreeMap<String, i64>,
    updated_at: Option<i64>,
}

impl State {
    fn read(tx: &mut dyn Tx) -> Result<State> {
        let Some(row) = tx.rollout()? else {
            return Ok(State {
                percentage: 100,
                ..State::default()
            });
        };
        let bad =
            |what: &str| MfaError::storage(format!("the stored rollout's {what} is malformed"));
        Ok(State {
            phase: Phase::parse(&row.phase).map_err(|_| bad("phase"))?,
            percentage: row.percentage.min(100),
            prompt_locations: serde_json::from_str(&row.prompt_locations)
                .map_err(|_| bad("prompt locations"))?,
            phase_starts: serde_json::from_str(&row.phase_starts)
                .map_err(|_| bad("phase starts"))?,
            updated_at: Some(row.updated_at),
        })
    }

    fn row(&self, now: i64) -> Result<RolloutRow> {
        Ok(RolloutRow {
            phase: self.phase.as_str().to_string(),
            percentage: self.percentage,
            prompt_locations: to_json(&self.prompt_locations)?,
            phase_starts: to_json(&self.phase_starts)?,
            updated_at: now,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| MfaError::internal(e.to_string()))
}

fn coverage_name(c: Coverage) -> &'static str {
    match c {
        Coverage::None => "none",
        Coverage::Prompt => "prompt",
        Coverage::Required => "required",
    }
}

impl Engine {
    fn plan(&self, state: &State) -> Plan {
        Plan {
            phase: state.phase,
            percentage: state.percentage,
            require_for_admins: self.config().security.require_for_admins,
        }
    }

    /// The user's standing. A user the rollout requires who has no requirement yet is given
    /// one from now when `tx` may write (`stamp`); otherwise it is reported as if given now,
    /// and `Ok((_, true))` asks the caller to record it.
    pub(super) fn enrollment_in(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        enrolled: bool,
        stamp: bool,
    ) -> Result<(MfaEnrollment, bool)> {
        let state = State::read(tx)?;
        let coverage = self.plan(&state).coverage(&user.id, &user.role);
        let now = self.now();
        let mut requirement = user
            .enrollment
            .as_ref()
            .map(|r| (r.since, r.source.clone()));
        let mut unrecorded = false;
        // The rollout no longer covers the user: its requirement lapses (so a later widening
        // starts a new grace period), recorded when this transaction may write.
        let lapsed = requirement
            .as_ref()
            .is_some_and(|(_, source)| source == rollout::SOURCE_ROLLOUT)
            && coverage != Coverage::Required;
        if lapsed {
            if stamp {
                tx.set_enrollment(&user.id, None, false)?;
            }
            requirement = None;
        }
        if !enrolled && coverage == Coverage::Required && requirement.is_none() {
            if stamp {
                self.require_from_rollout(tx, &user.id, now)?;
            } else {
                unrecorded = true;
            }
            requirement = Some((now, rollout::SOURCE_ROLLOUT.to_string()));
        }
        let standing = Standing::of(
            enrolled,
            coverage,
            requirement.as_ref().map(|(s, src)| (*s, src.as_str())),
            self.config().security.grace_period_days,
        );
        Ok((
            self.enrollment_view(&standing, &state.prompt_locations, now),
            unrecorded,
        ))
    }

    fn enrollment_view(&self, s: &Standing, locations: &[String], now: i64) -> MfaEnrollment {
        MfaEnrollment {
            required: s.required,
            prompt: s.prompt,
            restricted: s.restricted(now),
            deadline: s.deadline.map(iso8601),
            days_left: s.days_left(now),
            prompt_locations: if s.prompt {
                locations.to_vec()
            } else {
                Vec::new()
            },
        }
    }

    /// Records that the rollout requires the user from `now` (if nothing required them yet).
    fn require_from_rollout(&self, tx: &mut dyn Tx, user_id: &str, now: i64) -> Result<bool> {
        let requirement = EnrollmentRequirement {
            since: now,
            source: rollout::SOURCE_ROLLOUT.to_string(),
        };
        tx.set_enrollment(user_id, Some(&requirement), true)
    }

    /// The standing of a signed-in session's user, recording a requirement the rollout
    /// implies (in its own transaction, once per user).
    pub(super) fn session_enrollment(&self, user_id: &str) -> Result<MfaEnrollment> {
        let (view, unrecorded) = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            let enrolled = self.is_enrolled(tx, &user.id)?;
            self.enrollment_in(tx, &user, enrolled, false)
        })?;
        if !unrecorded {
            return Ok(view);
        }
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            let enrolled = self.is_enrolled(tx, &user.id)?;
            self.enrollment_in(tx, &user, enrolled, true)
                .map(|(v, _)| v)
        })
    }

    /// The user has an active factor (backup codes alone do not count).
    pub(super) fn is_enrolled(&self, tx: &mut dyn Tx, user_id: &str) -> Result<bool> {
        let f = tx.factor_summary(user_id)?;
        Ok(f.totp || f.webauthn || f.sms || f.email || f.push)
    }

    /// The rollout's state (see `GetRolloutRequest`).
    pub fn get_rollout(&self, user_id: Option<&str>) -> Result<RolloutStatus> {
        let (state, user) = self.store.read(|tx| {
            let state = State::read(tx)?;
            let user = match user_id {
                Some(id) => {
                    let user = self.user_row(tx, id)?;
                    let enrolled = self.is_enrolled(tx, &user.id)?;
                    let (view, _) = self.enrollment_in(tx, &user, enrolled, false)?;
                    let coverage = self.plan(&state).coverage(&user.id, &user.role);
                    Some(UserRollout {
                        bucket: rollout::bucket(&user.id),
                        coverage: coverage_name(coverage).to_string(),
                        user_id: user.id,
                        enrollment: view,
                    })
                }
                None => None,
            };
            Ok((state, user))
        })?;
        Ok(self.rollout_view(&state, user))
    }

    fn rollout_view(&self, state: &State, user: Option<UserRollout>) -> RolloutStatus {
        let security = &self.config().security;
        RolloutStatus {
            phase: state.phase.as_str().to_string(),
            percentage: state.percentage,
            prompt_locations: state.prompt_locations.clone(),
            phase_started_at: state
                .phase_starts
                .get(state.phase.as_str())
                .map(|t| iso8601(*t)),
            phases: Phase::ALL
                .iter()
                .filter_map(|p| {
                    state.phase_starts.get(p.as_str()).map(|t| PhaseStart {
                        phase: p.as_str().to_string(),
                        started_at: iso8601(*t),
                    })
                })
                .collect(),
            require_for_admins: security.require_for_admins,
            grace_period_days: security.grace_period_days,
            updated_at: state.updated_at.map(iso8601),
            user,
        }
    }

    /// Changes the rollout (see `SetRolloutRequest`).
    pub fn set_rollout(&self, r: &SetRolloutRequest) -> Result<RolloutStatus> {
        let phase = r.phase.as_deref().map(Phase::parse).transpose()?;
        if r.percentage.is_some_and(|p| p > 100) {
            return Err(MfaError::invalid("percentage", "must be between 0 and 100"));
        }
        if let Some(locations) = &r.prompt_locations {
            if locations.len() > 20
                || locations.iter().any(|l| {
                    l.is_empty() || l.chars().count() > 64 || l.chars().any(char::is_control)
                })
            {
                return Err(MfaError::invalid(
                    "promptLocations",
                    "must be at most 20 names of 1 to 64 characters",
                ));
            }
        }
        if phase.is_none() && r.percentage.is_none() && r.prompt_locations.is_none() {
            return Err(MfaError::invalid(
                "phase",
                "give a phase, a percentage or prompt locations to change",
            ));
        }
        let now = self.now();
        let mut narrowed = false;
        let state = self.store.write(|tx| {
            tx.hold_rollout()?;
            let mut state = State::read(tx)?;
            narrowed = phase.is_some_and(|p| p < state.phase)
                || r.percentage.is_some_and(|p| p < state.percentage);
            if let Some(p) = phase {
                if p != state.phase || state.updated_at.is_none() {
                    state.phase_starts.insert(p.as_str().to_string(), now);
                }
                state.phase = p;
            }
            if let Some(p) = r.percentage {
                state.percentage = p;
            }
            if let Some(l) = &r.prompt_locations {
                state.prompt_locations = l.clone();
            }
            tx.put_rollout(&state.row(now)?)?;
            state.updated_at = Some(now);
            let detail = format!(
                "phase={} percentage={}",
                state.phase.as_str(),
                state.percentage
            );
            self.audit(
                tx,
                None,
                AuditAction::RolloutChange,
                None,
                true,
                &r.context,
                Some(&detail),
            )?;
            Ok(state)
        })?;
        // Fewer users covered: the requirements the rollout set for the others lapse now,
        // so widening again later gives them a whole grace period.
        if narrowed {
            self.clear_lapsed()?;
        }
        Ok(self.rollout_view(&state, None))
    }

    /// Lifts the requirements the rollout set for users it no longer covers; returns how many.
    fn clear_lapsed(&self) -> Result<u64> {
        let mut cursor = String::new();
        let mut cleared = 0;
        loop {
            let (n, last, len) = self.store.write(|tx| {
                let plan = self.plan(&State::read(tx)?);
                let rows = tx.enrollment_page(&cursor, PAGE)?;
                let mut n = 0u64;
                for row in &rows {
                    let from_rollout = row
                        .enrollment
                        .as_ref()
                        .is_some_and(|e| e.source == rollout::SOURCE_ROLLOUT);
                    if from_rollout && plan.coverage(&row.id, &row.role) != Coverage::Required {
                        n += u64::from(tx.set_enrollment(&row.id, None, false)?);
                    }
                }
                Ok((n, rows.last().map(|r| r.id.clone()), rows.len()))
            })?;
            cleared += n;
            match last {
                Some(last) if len == PAGE as usize => cursor = last,
                _ => return Ok(cleared),
            }
        }
    }

    /// Requires one user to enroll, or lifts the application's requirement.
    pub fn require_enrollment(
        &self,
        user_id: &str,
        required: bool,
        ctx: &RequestContext,
    ) -> Result<MfaEnrollment> {
        let now = self.now();
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.hold_user(&user.id)?;
            let next = required.then(|| EnrollmentRequirement {
                since: user.enrollment.as_ref().map_or(now, |e| e.since.min(now)),
                source: rollout::SOURCE_APPLICATION.to_string(),
            });
            let changed = tx.set_enrollment(&user.id, next.as_ref(), false)?;
            if changed {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::EnrollmentRequirement,
                    None,
                    true,
                    ctx,
                    Some(if required { "required" } else { "lifted" }),
                )?;
            }
            let user = UserRow {
                enrollment: next,
                ..user
            };
            let enrolled = self.is_enrolled(tx, &user.id)?;
            self.enrollment_in(tx, &user, enrolled, true)
                .map(|(v, _)| v)
        })
    }

    /// Gives the users the rollout requires their deadline (see `EnforceRolloutRequest`).
    pub fn enforce_rollout(
        &self,
        after: Option<&str>,
        max_users: Option<u32>,
        ctx: &RequestContext,
    ) -> Result<EnforceRolloutResult> {
        let mut out = EnforceRolloutResult::default();
        let mut cursor = after.unwrap_or("").to_string();
        let limit = u64::from(max_users.unwrap_or(u32::MAX));
        let now = self.now();
        loop {
            let page = self.store.write(|tx| {
                let plan = self.plan(&State::read(tx)?);
                let rows = tx.enrollment_page(&cursor, PAGE)?;
                let mut counts = EnforceRolloutResult::default();
                for row in &rows {
                    counts.scanned += 1;
                    if row.enrolled {
                        counts.enrolled += 1;
                    } else if plan.coverage(&row.id, &row.role) != Coverage::Required {
                        counts.not_covered += 1;
                        let from_rollout = row
                            .enrollment
                            .as_ref()
                            .is_some_and(|e| e.source == rollout::SOURCE_ROLLOUT);
                        if from_rollout && tx.set_enrollment(&row.id, None, false)? {
                            counts.lapsed += 1;
                        }
                    } else if row.enrollment.is_some() {
                        counts.already_required += 1;
                    } else if self.require_from_rollout(tx, &row.id, now)? {
                        counts.newly_required += 1;
                    } else {
                        counts.already_required += 1;
                    }
                }
                Ok((counts, rows.last().map(|r| r.id.clone()), rows.len()))
            })?;
            let (counts, last, len) = page;
            out.add_counts(&counts);
            if let Some(last) = last {
                cursor = last;
            }
            if len < PAGE as usize {
                out.done = true;
                break;
            }
            if out.scanned >= limit {
                break;
            }
        }
        out.cursor = (!cursor.is_empty()).then_some(cursor);
        let detail = format!(
            "scanned={} newly_required={}",
            out.scanned, out.newly_required
        );
        self.store.write(|tx| {
            self.audit(
                tx,
                None,
                AuditAction::RolloutEnforce,
                None,
                true,
                ctx,
                Some(&detail),
            )
        })?;
        Ok(out)
    }

    /// Adoption statistics (see `GetRolloutStatsRequest`).
    pub fn get_rollout_stats(&self, days: Option<u32>) -> Result<RolloutStats> {
        let days = days.unwrap_or(30);
        if !(1..=366).contains(&days) {
            return Err(MfaError::invalid("days", "must be between 1 and 366"));
        }
        let now = self.now();
        let today = now - now.rem_euclid(86_400);
        let since = today - i64::from(days - 1) * 86_400;
        let grace = self.config().security.grace_period_days;
        let (state, counts) = self
            .store
            .read(|tx| Ok((State::read(tx)?, tx.enrollment_counts(since)?)))?;
        let plan = self.plan(&state);
        let mut stats = RolloutStats {
            phase: state.phase.as_str().to_string(),
            percentage: state.percentage,
            ..RolloutStats::default()
        };
        let mut cursor = String::new();
        loop {
            let rows = self.store.read(|tx| tx.enrollment_page(&cursor, PAGE))?;
            for row in &rows {
                stats.users += 1;
                let coverage = plan.coverage(&row.id, &row.role);
                let requirement = row
                    .enrollment
                    .as_ref()
                    .map(|r| (r.since, r.source.as_str()))
                    // Covered but not reached yet: their grace period starts when it does.
                    .or((coverage == Coverage::Required).then_some((now, rollout::SOURCE_ROLLOUT)));
                let standing = Standing::of(row.enrolled, coverage, requirement, grace);
                if row.enrolled {
                    stats.enrolled += 1;
                } else if standing.restricted(now) {
                    stats.overdue += 1;
                } else if standing.required {
                    stats.within_grace += 1;
                } else if standing.prompt {
                    stats.prompted += 1;
                } else {
                    stats.not_required += 1;
                }
            }
            match rows.last() {
                Some(last) if rows.len() == PAGE as usize => cursor = last.id.clone(),
                _ => break,
            }
        }
        stats.by_method = MethodCounts {
            totp: counts.totp,
            webauthn: counts.webauthn,
            sms: counts.sms,
            email: counts.email,
            push: counts.push,
            backup: counts.backup_codes,
        };
        let per_day: BTreeMap<i64, u64> = counts.per_day.into_iter().collect();
        stats.enrollments_per_day = (0..i64::from(days))
            .map(|d| {
                let day = since + d * 86_400;
                DailyCount {
                    date: iso8601(day)[..10].to_string(),
                    count: per_day.get(&day).copied().unwrap_or(0),
                }
            })
            .collect();
        Ok(stats)
    }
}
