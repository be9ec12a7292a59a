//! `plinto`, the administrator's command for a Plinto MFA database. It opens the database the
//! applications use, from the same environment (`PLINTO_DATABASE`, `PLINTO_SECRET_KEY`,
//! `PLINTO_PREVIOUS_SECRET_KEYS`, `PLINTO_CONFIG`):
//!
//! - `import <file>`: users with their factors, from JSON Lines or CSV (`--dry-run`).
//! - `rotate-key`: re-seal every secret under `PLINTO_NEW_SECRET_KEY` (safe to run again).
//! - `rollout status | set-phase | set-percentage | set-prompts | enforce`, and `stats`.
//! - `user show | unlock | reset-mfa` (changes are audited with `--reason`).
//! - `audit export [--since] [--format jsonl|csv]`, `audit verify [--anchor]`.
//!
//! Every command answers in text, or with `--json` in JSON for scripts; long work shows
//! progress on a terminal. Exit status: 0 done, 1 failed, 2 bad usage, 3 an audit chain that
//! does not verify. `PLINTO_DATABASE` must be set, and a SQLite file must exist (only
//! `import` creates one), so a command never acts on an empty database by mistake. The Node and Python packages run the same command (`npx @plinto/mfa …`,
//! `python -m plinto …`) through [`run`].

mod args;
mod audit;
mod output;
mod rollout;
mod users;

use args::{Cli, Command};
use clap::Parser;
use output::Output;
use plinto_mfa_core::{env, store, Engine, MfaError};

/// Runs the command line `args` (without the program name); returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let argv = std::iter::once("plinto".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let out = Output::new(cli.json);
    match dispatch(cli.command, &out) {
        Ok(status) => status,
        Err(e) => {
            out.error(&e);
            1
        }
    }
}

fn dispatch(command: Command, out: &Output) -> Result<i32, MfaError> {
    match command {
        Command::Import {
            file,
            format,
            dry_run,
        } => users::import(&open(true)?, out, &file, format.as_deref(), dry_run),
        Command::RotateKey => {
            existing_database(false)?;
            users::rotate_key(out)
        }
        Command::Rollout { action } => rollout::run(&open(false)?, out, action),
        Command::Stats { days } => rollout::stats(&open(false)?, out, days),
        Command::User { action } => users::run(&open(false)?, out, action),
        Command::Audit { action } => audit::run(&open(false)?, out, action),
    }
}

/// The engine on the database `PLINTO_DATABASE` names (a SQLite file only if it exists,
/// unless `create`).
fn open(create: bool) -> Result<Engine, MfaError> {
    existing_database(create)?;
    Engine::open(env::options_from_env()?)
}

/// Refuses an unset `PLINTO_DATABASE`, and (unless `create`) a SQLite file that is not there.
fn existing_database(create: bool) -> Result<(), MfaError> {
    let database = std::env::var("PLINTO_DATABASE")
        .ok()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            MfaError::invalid("PLINTO_DATABASE", "is required: the database to administer")
        })?;
    if !create && !store::is_postgres_url(&database) && !std::path::Path::new(&database).exists() {
        return Err(MfaError::invalid(
            "PLINTO_DATABASE",
            format!("names no database: {database} does not exist"),
        ));
    }
    Ok(())
}

/// What the command line says about who acted, for the audit log.
fn context() -> plinto_mfa_core::api::RequestContext {
    plinto_mfa_core::api::RequestContext {
        ip_address: None,
        user_agent: Some(format!("plinto-cli/{}", env!("CARGO_PKG_VERSION"))),
    }
}
