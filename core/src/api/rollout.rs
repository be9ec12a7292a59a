//! Rolling MFA out: the rollout's state, users' requirements to enroll, batch enforcement and
//! adoption statistics.

use super::{debug_fields, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a user stands with enrolling a factor, as sign-in and `verify_session` report it.
/// Before the deadline the application prompts; after it, the session may only enroll a
/// factor (`authorize` and the `requireMfa` guards refuse it with `mfa_setup_required`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MfaEnrollment {
    /// The user has no factor and must enroll one.
    pub required: bool,
    /// The application should prompt the user to enroll (required, or encouraged by the
    /// rollout).
    pub prompt: bool,
    /// The deadline passed: the session is held to enrolling a factor.
    pub restricted: bool,
    /// ISO 8601 time after which the session is held to enrollment, when required.
    pub deadline: Option<String>,
    /// Whole days left before the deadline, rounded up (0 once it passed), when required.
    pub days_left: Option<u32>,
    /// Where the application shows prompts (the rollout's `promptLocations`), when prompted.
    pub prompt_locations: Vec<String>,
}

/// The MFA rollout's state: its phase, the share of users it applies to and where to prompt,
/// read by every process on the database. With `userId`, also how it applies to that user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct GetRolloutRequest {
    /// A user to describe as well.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_id: Option<String>,
}

/// When a phase last started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PhaseStart {
    /// The phase.
    pub phase: String,
    /// ISO 8601.
    pub started_at: String,
}

/// How the rollout applies to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct UserRollout {
    /// The user.
    pub user_id: String,
    /// Their percentage bucket, 0 to 99: a percentage `p` covers buckets below `p`.
    pub bucket: u32,
    /// What the rollout asks of them: `none`, `prompt` or `required`.
    pub coverage: String,
    /// Their standing.
    pub enrollment: MfaEnrollment,
}

/// The rollout's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RolloutStatus {
    /// `disabled`, `optional`, `encouraged`, `required_admin` or `required_all`.
    pub phase: String,
    /// Share of users (by bucket) the phase applies to, 0 to 100.
    pub percentage: u32,
    /// Where the application shows enrollment prompts.
    pub prompt_locations: Vec<String>,
    /// ISO 8601 start of the current phase (none before the rollout was first set).
    pub phase_started_at: Option<String>,
    /// When each phase last started, in phase order.
    pub phases: Vec<PhaseStart>,
    /// This process's `security.requireForAdmins`.
    pub require_for_admins: bool,
    /// This process's `security.gracePeriodDays`.
    pub grace_period_days: u32,
    /// ISO 8601 time of the last change.
    pub updated_at: Option<String>,
    /// The user asked about.
    pub user: Option<UserRollout>,
}

/// Changes the rollout: moves it to a phase, sets the percentage of users it applies to, or
/// where prompts show. Every process on the database follows; audited (`rollout_change`).
/// Users the new state requires get their deadline when they next sign in, or at once with
/// `enforce_rollout`; a change that covers fewer users lifts the requirements it had set for
/// the others (a later widening gives them a whole grace period).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SetRolloutRequest {
    /// The new phase (the guide's `DISABLED` … `REQUIRED_ALL`, any case).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phase: Option<String>,
    /// Share of users the phase applies to, 0 to 100 (default for a new rollout: 100).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub percentage: Option<u32>,
    /// Where the application shows prompts (at most 20 names of 1 to 64 characters).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub prompt_locations: Option<Vec<String>>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(SetRolloutRequest {
    phase,
    percentage,
    prompt_locations
});

/// Requires one user to enroll a factor (the grace period starts now), or lifts the
/// application's requirement. Audited (`enrollment_requirement`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RequireEnrollmentRequest {
    /// The user.
    pub user_id: String,
    /// True to require enrollment, false to lift the requirement.
    pub required: bool,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(RequireEnrollmentRequest { user_id, required });

/// Gives every user the current rollout requires, and who has no requirement yet, their
/// deadline (now plus the grace period), paging through the users in id order (one
/// transaction per page). Idempotent: a second run changes nothing. Resumable: pass the
/// `cursor` of a run stopped by `maxUsers` as `after`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EnforceRolloutRequest {
    /// Start after this user id (a previous run's `cursor`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub after: Option<String>,
    /// Stop after looking at about this many users (whole pages of 500; default: all).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_users: Option<u32>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(EnforceRolloutRequest { after, max_users });

/// What an enforcement run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EnforceRolloutResult {
    /// Users looked at.
    pub scanned: u64,
    /// Users given a deadline by this run.
    pub newly_required: u64,
    /// Users already required before it.
    pub already_required: u64,
    /// Users with MFA already.
    pub enrolled: u64,
    /// Users the rollout does not require.
    pub not_covered: u64,
    /// Of those, users whose requirement from the rollout lapsed (lifted by this run).
    pub lapsed: u64,
    /// The last user id looked at: pass it as `after` to go on.
    pub cursor: Option<String>,
    /// Every user was looked at.
    pub done: bool,
}

impl EnforceRolloutResult {
    /// Adds the counts of a later part of the same run (cursor and `done` stay as they are).
    pub fn add_counts(&mut self, part: &EnforceRolloutResult) {
        self.scanned += part.scanned;
        self.newly_required += part.newly_required;
        self.already_required += part.already_required;
        self.enrolled += part.enrolled;
        self.not_covered += part.not_covered;
        self.lapsed += part.lapsed;
    }
}

/// Adoption statistics: users by state under the current rollout, enrolled users by method,
/// and MFA set-ups per day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct GetRolloutStatsRequest {
    /// Days of set-ups per day to report, ending today (1 to 366, default 30).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub days: Option<u32>,
}

/// Users enrolled with each method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MethodCounts {
    /// Authenticator apps.
    pub totp: u64,
    /// Security keys and passkeys.
    pub webauthn: u64,
    /// SMS.
    pub sms: u64,
    /// Email codes.
    pub email: u64,
    /// Push approvals.
    pub push: u64,
    /// Users with unused backup codes.
    pub backup: u64,
}

/// MFA set-ups on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DailyCount {
    /// The day, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Users whose MFA was set up that day.
    pub count: u64,
}

/// Adoption under the current rollout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RolloutStats {
    /// The current phase.
    pub phase: String,
    /// The current percentage.
    pub percentage: u32,
    /// Every user.
    pub users: u64,
    /// Users with MFA.
    pub enrolled: u64,
    /// Users required to enroll, before their deadline.
    pub within_grace: u64,
    /// Users required to enroll, past their deadline (held to enrollment).
    pub overdue: u64,
    /// Users without MFA the rollout prompts but does not require.
    pub prompted: u64,
    /// Users without MFA and nothing asked of them.
    pub not_required: u64,
    /// Enrolled users by method (a user with two methods counts in both).
    pub by_method: MethodCounts,
    /// MFA set-ups per day, oldest first, every day of the period (zeros included).
    pub enrollments_per_day: Vec<DailyCount>,
}
