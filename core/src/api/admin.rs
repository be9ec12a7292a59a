//! Administration: importing users with their factors, unlocking and resetting users, and
//! the tamper-evident audit log's export and verification.

use super::{debug_fields, RequestContext, UnixTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Imports users with their existing factors from JSON Lines or CSV (see the README for
/// the fields): password hashes as they are (argon2, bcrypt, scrypt, PBKDF2; replaced by
/// argon2id at the next correct sign-in), TOTP secrets, SMS numbers and emails for codes
/// sealed as they are read, backup codes hashed. A user whose email exists is skipped, so
/// importing a file twice changes nothing; every bad line is reported with its number and
/// field, and the others are still imported, in transactions of 1,000 users.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ImportUsersRequest {
    /// The file's content (or give `path`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub data: Option<String>,
    /// A file to read (or give `data`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub path: Option<String>,
    /// `jsonl` or `csv` (default: `csv` for a `.csv` path, else `jsonl`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub format: Option<String>,
    /// Check every line and report what would be imported, writing nothing.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub dry_run: Option<bool>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(ImportUsersRequest {
    path,
    format,
    dry_run
});

/// A line that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ImportIssue {
    /// Line number in the file, from 1.
    pub line: u64,
    /// The field at fault (`record` for the line as a whole).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// Records read (non-blank lines, without a CSV header).
    pub records: u64,
    /// Users created.
    pub imported: u64,
    /// Users whose email already existed (left as they are).
    pub skipped: u64,
    /// Lines refused.
    pub failed: u64,
    /// Users imported with an authenticator app.
    pub with_totp: u64,
    /// Users imported with an SMS number.
    pub with_sms: u64,
    /// Users imported with an email for codes.
    pub with_email: u64,
    /// Users imported with backup codes.
    pub with_backup_codes: u64,
    /// The refused lines (the first 1,000), in line order.
    pub issues: Vec<ImportIssue>,
}

impl ImportReport {
    /// Adds a later part of the same import: its counts, and its issues with their line
    /// numbers moved on by `line_offset` (the part's first line in the whole file, less one).
    pub fn add(&mut self, part: ImportReport, line_offset: u64) {
        self.records += part.records;
        self.imported += part.imported;
        self.skipped += part.skipped;
        self.failed += part.failed;
        self.with_totp += part.with_totp;
        self.with_sms += part.with_sms;
        self.with_email += part.with_email;
        self.with_backup_codes += part.with_backup_codes;
        self.issues
            .extend(part.issues.into_iter().map(|i| ImportIssue {
                line: i.line + line_offset,
                ..i
            }));
    }
}

/// Ends an administrator's lockout of a user: clears the user's attempt counters and
/// lockouts (sign-in, MFA, password checks) and lifts a suspension of their code-based
/// factors. Audited with the reason (`user_unlock`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct UnlockUserRequest {
    /// The user.
    pub user_id: String,
    /// Why (kept in the audit log; 1 to 200 characters).
    pub reason: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(UnlockUserRequest { user_id, reason });

/// An administrator's reset of a user's MFA (a user who lost every factor): removes all
/// their factors and backup codes and ends their sessions, so their next sign-in is by
/// password alone and the rollout's requirement (if any) applies again. The user is
/// notified; audited with the reason (`mfa_reset`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ResetMfaRequest {
    /// The user.
    pub user_id: String,
    /// Why (kept in the audit log; 1 to 200 characters).
    pub reason: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(ResetMfaRequest { user_id, reason });

/// What an administrator's change did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AdminResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// Rows the change cleared or removed (counters, factors, sessions).
    pub cleared: u64,
}

/// Audit events of every user in id order, for export (JSON Lines or CSV), each with its
/// link in the audit chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ExportAuditRequest {
    /// Only events at or after this time (Unix seconds or RFC 3339).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub since: Option<UnixTime>,
    /// Only events with an id above this (a previous page's last id).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub after_id: Option<i64>,
    /// At most this many (1 to 10,000, default 1,000).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub limit: Option<u32>,
}

/// Checks the audit log's chain: every row's keyed hash links it to the row before, from
/// the last retention checkpoint on. An edited, inserted or deleted row breaks the chain at
/// that row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyAuditRequest {
    /// An `anchor` an earlier check printed (`<id>:<link>`), kept outside the database: the
    /// row must still be there with that link (detects the newest rows cut off, or the
    /// whole log rewritten). An anchor retention has purged since is not checked.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub anchor: Option<String>,
}

/// The outcome of a chain check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Every row checked links to the one before.
    pub valid: bool,
    /// Rows checked.
    pub checked: u64,
    /// The first row that breaks the chain (its id), when invalid.
    pub first_bad_id: Option<i64>,
    /// What is wrong there: `edited`, `inserted`, `deleted` (rows missing before it),
    /// `checkpoint` (the retention checkpoint is missing or its MAC does not match) or
    /// `anchor` (the anchored row is gone or changed).
    pub problem: Option<String>,
    /// The newest row's link (hex).
    pub head: Option<String>,
    /// `<id>:<link>` of the newest row: keep it elsewhere and pass it as `anchor` later.
    pub anchor: Option<String>,
    /// The id retention last purged up to (rows at or below it are gone by design).
    pub checkpoint_id: Option<i64>,
}
