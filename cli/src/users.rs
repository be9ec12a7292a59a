//! `import`, `rotate-key` and `user …`.

use crate::args::UserAction;
use crate::output::Output;
use plinto_mfa_core::api::{ImportReport, ImportUsersRequest};
use plinto_mfa_core::import::Format;
use plinto_mfa_core::{env, Engine, MfaError, SecretKey};

/// Records one import call takes (a progress step).
const CHUNK: usize = 5_000;

/// Imports a file in chunks, showing progress; the report's line numbers are the file's.
pub fn import(
    engine: &Engine,
    out: &Output,
    file: &str,
    format: Option<&str>,
    dry_run: bool,
) -> Result<i32, MfaError> {
    let format = match format {
        Some(f) => Format::parse(f)?,
        None => Format::of_path(file),
    };
    let data = std::fs::read_to_string(file)
        .map_err(|e| MfaError::invalid("file", format!("cannot be read: {e}")))?;
    let mut lines: Vec<&str> = data.lines().collect();
    // A CSV header goes in front of every chunk, each chunk's lines counted from the file's.
    let (header, first) = match format {
        Format::Csv if !lines.is_empty() => (Some(lines.remove(0)), 2),
        _ => (None, 1),
    };
    let bar = out.bar(lines.len() as u64, "importing");
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    for (n, chunk) in lines.chunks(CHUNK).enumerate() {
        let mut text = String::new();
        if let Some(h) = header {
            text.push_str(h);
            text.push('\n');
        }
        text.push_str(&chunk.join("\n"));
        let part = engine.import_users(&ImportUsersRequest {
            data: Some(text),
            format: Some(format.as_str().into()),
            dry_run: Some(dry_run),
            context: crate::context(),
            ..Default::default()
        })?;
        let offset = (n * CHUNK) as u64 + first - 1 - u64::from(header.is_some());
        report.add(part, offset);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    out.answer(&report, |r| {
        let mut text = format!(
            "{}{} records: {} imported, {} skipped (email exists), {} refused\n\
             with TOTP {}, SMS {}, email codes {}, backup codes {}\n",
            if r.dry_run { "dry run: " } else { "" },
            r.records,
            r.imported,
            r.skipped,
            r.failed,
            r.with_totp,
            r.with_sms,
            r.with_email,
            r.with_backup_codes
        );
        for i in &r.issues {
            text.push_str(&format!("line {}: {}: {}\n", i.line, i.field, i.reason));
        }
        text
    });
    Ok(i32::from(report.failed > 0))
}

/// Re-seals every secret under `PLINTO_NEW_SECRET_KEY`: the engine seals with the new key
/// and opens with the current one, so running again after an interruption (or after some
/// servers already moved to the new key) finishes the job.
pub fn rotate_key(out: &Output) -> Result<i32, MfaError> {
    let new = std::env::var("PLINTO_NEW_SECRET_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| MfaError::invalid("PLINTO_NEW_SECRET_KEY", "is required"))?;
    let new = SecretKey::parse(new.trim()).map_err(|_| {
        MfaError::invalid(
            "PLINTO_NEW_SECRET_KEY",
            "must be 32 bytes as 64 hex digits or base64",
        )
    })?;
    let mut options = env::options_from_env()?;
    let old = std::mem::replace(&mut options.secret_key, new.clone());
    options.previous_keys.insert(0, old.clone());
    let engine = Engine::open(options)?;
    let spinner = out.spinner("re-sealing secrets");
    let resealed = engine.rotate_key(&old, &new)?;
    spinner.finish_and_clear();
    out.answer(
        &serde_json::json!({ "success": true, "resealed": resealed }),
        |_| format!("re-sealed {resealed} values: set PLINTO_SECRET_KEY to the new key everywhere"),
    );
    Ok(0)
}

/// `user show | unlock | reset-mfa`.
pub fn run(engine: &Engine, out: &Output, action: UserAction) -> Result<i32, MfaError> {
    match action {
        UserAction::Show { user } => {
            let u = engine.find_user(&user)?;
            let status = engine.get_mfa_status(&u.id)?;
            let rollout = engine.get_rollout(Some(&u.id))?.user;
            let events = engine.list_audit_events(&u.id, None, Some(10))?;
            let value = serde_json::json!({
                "user": u, "mfa": status, "rollout": rollout, "recentEvents": events,
            });
            out.answer(&value, |_| {
                let mut t = format!(
                    "{} <{}> role {}, created {}\nMFA: {}{}\n",
                    u.id,
                    u.email,
                    u.role,
                    u.created_at,
                    if status.enabled {
                        status.methods.join(", ")
                    } else {
                        "none".into()
                    },
                    if status.codes_suspended {
                        " (code factors suspended)"
                    } else {
                        ""
                    },
                );
                if let Some(r) = &rollout {
                    let e = &r.enrollment;
                    t.push_str(&format!(
                        "rollout: bucket {}, {}{}\n",
                        r.bucket,
                        r.coverage,
                        match (&e.deadline, e.restricted) {
                            (Some(d), true) => format!(", overdue since {d}"),
                            (Some(d), false) => format!(", enroll by {d}"),
                            _ => String::new(),
                        }
                    ));
                }
                for ev in &events {
                    t.push_str(&format!(
                        "  {} {} {}{}\n",
                        ev.created_at,
                        ev.action,
                        if ev.success { "ok" } else { "failed" },
                        ev.detail
                            .as_deref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    ));
                }
                t
            });
        }
        UserAction::Unlock { user, reason } => {
            let u = engine.find_user(&user)?;
            let r = engine.unlock_user(&u.id, &reason, &crate::context())?;
            out.answer(&r, |r| {
                format!("unlocked {} ({} counters cleared)", u.email, r.cleared)
            });
        }
        UserAction::ResetMfa { user, reason } => {
            let u = engine.find_user(&user)?;
            let r = engine.reset_mfa(&u.id, &reason, &crate::context())?;
            out.answer(&r, |r| {
                format!(
                    "reset MFA of {} ({} factors and sessions removed)",
                    u.email, r.cleared
                )
            });
        }
    }
    Ok(0)
}
