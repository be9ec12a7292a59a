//! The command line.

use clap::{Parser, Subcommand};

/// Administer a Plinto MFA database (PLINTO_DATABASE, PLINTO_SECRET_KEY).
#[derive(Debug, Parser)]
#[command(name = "plinto", version, about)]
pub struct Cli {
    /// Answer in JSON (one object) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import users with their factors from a JSON Lines or CSV file.
    Import {
        /// The file (`.csv` is read as CSV, anything else as JSON Lines).
        file: String,
        /// `jsonl` or `csv`, whatever the file's name.
        #[arg(long)]
        format: Option<String>,
        /// Check every line and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-seal every secret under PLINTO_NEW_SECRET_KEY (PLINTO_SECRET_KEY is the current
    /// key). Safe to run again after an interruption; then set PLINTO_SECRET_KEY to the new
    /// key everywhere.
    RotateKey,
    /// Show or change the MFA rollout.
    Rollout {
        /// What to do.
        #[command(subcommand)]
        action: RolloutAction,
    },
    /// Adoption statistics.
    Stats {
        /// Days of enrollments per day to show.
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Look at or fix one user.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
}

/// `rollout …`
#[derive(Debug, Subcommand)]
pub enum RolloutAction {
    /// The phase, percentage and prompts.
    Status,
    /// Move to a phase: disabled, optional, encouraged, required_admin, required_all.
    SetPhase {
        /// The phase.
        phase: String,
    },
    /// Apply the phase to this share of users (0 to 100, by a stable hash of the user id).
    SetPercentage {
        /// The percentage.
        percentage: u32,
    },
    /// Where the application shows enrollment prompts.
    SetPrompts {
        /// Location names, e.g. dashboard settings.
        locations: Vec<String>,
    },
    /// Give every user the rollout requires their deadline now (idempotent, resumable).
    Enforce {
        /// Users per call (a progress step).
        #[arg(long, default_value_t = 5_000)]
        batch: u32,
        /// Start after this user id (the cursor an interrupted run printed).
        #[arg(long)]
        after: Option<String>,
    },
}

/// `user …`
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// A user's factors, rollout standing and recent audit events.
    Show {
        /// User id or email.
        user: String,
    },
    /// Clear the user's lockouts and lift a suspension of their code factors.
    Unlock {
        /// User id or email.
        user: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Remove every factor of the user and end their sessions.
    ResetMfa {
        /// User id or email.
        user: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
}

/// `audit …`
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Write every audit event (with its chain link) to stdout or a file.
    Export {
        /// Only events at or after this time (Unix seconds or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// `jsonl` or `csv`.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<String>,
    },
    /// Check the audit chain; exit status 3 if a row was edited, inserted or deleted.
    Verify {
        /// The anchor an earlier verify printed (`<id>:<link>`), kept outside the database:
        /// detects rows cut off the end, or the whole log rewritten.
        #[arg(long)]
        anchor: Option<String>,
    },
}
