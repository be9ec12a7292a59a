//! Rolling MFA out to an existing user base: the phases, the percentage bucket of a user,
//! and what a user's requirement to enroll means at a given time.
//!
//! A user's bucket is `u32::from_be_bytes(SHA-256("plinto-rollout:" ‖ user id)[0..4]) % 100`:
//! the same in every process and language, and documented so an application can compute it
//! too. A percentage `p` covers the buckets `0..p`, so raising it only adds users.

use crate::crypto::sha256;
use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The rollout's phase, in the order a rollout goes through them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No prompts and no requirement from the rollout (MFA stays available).
    Disabled,
    /// Users may enroll; nothing prompts them (the state of a store never rolled out).
    #[default]
    Optional,
    /// Users in the percentage are prompted to enroll.
    Encouraged,
    /// Admins (`admin`, `super_admin`) must enroll; users in the percentage are prompted.
    RequiredAdmin,
    /// Admins and users in the percentage must enroll.
    RequiredAll,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 5] = [
        Phase::Disabled,
        Phase::Optional,
        Phase::Encouraged,
        Phase::RequiredAdmin,
        Phase::RequiredAll,
    ];

    /// The stored name, e.g. `required_admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Disabled => "disabled",
            Phase::Optional => "optional",
            Phase::Encouraged => "encouraged",
            Phase::RequiredAdmin => "required_admin",
            Phase::RequiredAll => "required_all",
        }
    }

    /// Parses a phase name (also the guide's upper-case `REQUIRED_ADMIN` form).
    pub fn parse(name: &str) -> Result<Phase> {
        let lower = name.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|p| p.as_str() == lower)
            .ok_or_else(|| {
                MfaError::invalid(
                    "phase",
                    "must be disabled, optional, encouraged, required_admin or required_all",
                )
            })
    }
}

/// The user's percentage bucket, 0 to 99 (see the module docs).
pub fn bucket(user_id: &str) -> u32 {
    let digest = sha256(format!("plinto-rollout:{user_id}").as_bytes());
    let first = [digest[0], digest[1], digest[2], digest[3]];
    u32::from_be_bytes(first) % 100
}

/// Roles `requireForAdmins` and the `required_admin` phase apply to.
pub fn is_admin(role: &str) -> bool {
    matches!(role, "admin" | "super_admin")
}

/// What the rollout asks of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Coverage {
    /// Nothing.
    None,
    /// Show prompts to enroll.
    Prompt,
    /// Enrolling is required (after the grace period, the session is held to enrollment).
    Required,
}

/// The rollout's rules as one process applies them: the stored phase and percentage and
/// this process's `security.requireForAdmins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The current phase.
    pub phase: Phase,
    /// Buckets `0..percentage` are in the rollout.
    pub percentage: u32,
    /// Admins must enroll whatever the phase.
    pub require_for_admins: bool,
}

impl Plan {
    /// What the rollout asks of a user with this id and role.
    pub fn coverage(&self, user_id: &str, role: &str) -> Coverage {
        if is_admin(role) && (self.require_for_admins || self.phase >= Phase::RequiredAdmin) {
            return Coverage::Required;
        }
        let in_rollout = || bucket(user_id) < self.percentage;
        match self.phase {
            Phase::RequiredAll if in_rollout() => Coverage::Required,
            Phase::Encouraged | Phase::RequiredAdmin | Phase::RequiredAll if in_rollout() => {
                Coverage::Prompt
            }
            _ => Coverage::None,
        }
    }
}

/// Who set a requirement to enroll.
pub const SOURCE_ROLLOUT: &str = "rollout";
/// The application set it for the user (`require_enrollment`).
pub const SOURCE_APPLICATION: &str = "application";

/// Where a user stands: the deadline of their requirement, if one applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The user must enroll.
    pub required: bool,
    /// The application should prompt the user to enroll.
    pub prompt: bool,
    /// Unix seconds after which the session is held to enrollment.
    pub deadline: Option<i64>,
}

impl Standing {
    /// A user's standing at `now`: `enrolled` users have none; a requirement counts if the
    /// application set it or the rollout still covers the user.
    pub fn of(
        enrolled: bool,
        coverage: Coverage,
        requirement: Option<(i64, &str)>,
        grace_days: u32,
    ) -> Standing {
        if enrolled {
            return Standing {
                required: false,
                prompt: false,
                deadline: None,
            };
        }
        let since = requirement
            .filter(|(_, source)| *source == SOURCE_APPLICATION || coverage == Coverage::Required)
            .map(|(since, _)| since);
        let deadline = since.map(|s| s.saturating_add(i64::from(grace_days) * 86_400));
        Standing {
            required: deadline.is_some(),
            prompt: deadline.is_some() || coverage >= Coverage::Prompt,
            deadline,
        }
    }

    /// Past the deadline: the session may only enroll a factor.
    pub fn restricted(&self, now: i64) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    /// Whole days left before the deadline, rounded up (0 once it passed).
    pub fn days_left(&self, now: i64) -> Option<u32> {
        self.deadline.map(|d| {
            let secs = (d - now).max(0);
            u32::try_from((secs + 86_399) / 86_400).unwrap_or(u32::MAX)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_parse_both_spellings() {
        assert_eq!(Phase::parse("REQUIRED_ADMIN"), Ok(Phase::RequiredAdmin));
        assert_eq!(Phase::parse("encouraged"), Ok(Phase::Encouraged));
        assert!(Phase::parse("sometimes").is_err());
    }

    #[test]
    fn coverage_by_phase_role_and_bucket() {
        let plan = |phase, percentage| Plan {
            phase,
            percentage,
            require_for_admins: false,
        };
        assert_eq!(
            plan(Phase::Optional, 100).coverage("u", "admin"),
            Coverage::None
        );
        assert_eq!(
            plan(Phase::RequiredAdmin, 0).coverage("u", "super_admin"),
            Coverage::Required
        );
        assert_eq!(
            plan(Phase::RequiredAdmin, 100).coverage("u", "user"),
            Coverage::Prompt
        );
        assert_eq!(
            plan(Phase::RequiredAll, 100).coverage("u", "user"),
            Coverage::Required
        );
        assert_eq!(
            plan(Phase::RequiredAll, 0).coverage("u", "user"),
            Coverage::None
        );
        let admins = Plan {
            require_for_admins: true,
            ..plan(Phase::Disabled, 0)
        };
        assert_eq!(admins.coverage("u", "admin"), Coverage::Required);
    }

    #[test]
    fn standing_and_deadline() {
        let s = Standing::of(false, Coverage::Required, Some((1_000, SOURCE_ROLLOUT)), 2);
        assert_eq!(s.deadline, Some(1_000 + 2 * 86_400));
        assert_eq!(s.days_left(1_000), Some(2));
        assert_eq!(s.days_left(1_001), Some(2));
        assert!(!s.restricted(1_000 + 2 * 86_400 - 1));
        assert!(s.restricted(1_000 + 2 * 86_400));
        // A rollout requirement lapses when the rollout no longer covers the user; the
        // application's stands.
        assert!(!Standing::of(false, Coverage::Prompt, Some((0, SOURCE_ROLLOUT)), 0).required);
        assert!(Standing::of(false, Coverage::None, Some((0, SOURCE_APPLICATION)), 0).required);
        assert!(!Standing::of(true, Coverage::Required, Some((0, SOURCE_ROLLOUT)), 0).required);
    }
}
