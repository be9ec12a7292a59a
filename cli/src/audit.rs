//! `audit export` and `audit verify`.

use crate::args::AuditAction;
use crate::output::Output;
use plinto_mfa_core::api::{AuditEvent, UnixTime};
use plinto_mfa_core::{Engine, MfaError};
use std::io::Write;

/// Events one export call reads.
const PAGE: u32 = 5_000;

/// `audit export | verify`.
pub fn run(engine: &Engine, out: &Output, action: AuditAction) -> Result<i32, MfaError> {
    match action {
        AuditAction::Export {
            since,
            format,
            output,
        } => export(engine, out, since.as_deref(), &format, output.as_deref()),
        AuditAction::Verify { anchor } => {
            let v = engine.verify_audit(anchor.as_deref())?;
            out.answer(&v, |v| {
                if v.valid {
                    format!(
                        "audit chain intact: {} rows checked\nanchor {} (keep it elsewhere; check later with --anchor)",
                        v.checked,
                        v.anchor.as_deref().unwrap_or("-")
                    )
                } else {
                    format!(
                        "audit chain BROKEN: {} at row {} ({} rows checked before it)",
                        v.problem.as_deref().unwrap_or("?"),
                        v.first_bad_id.map_or("-".into(), |id| id.to_string()),
                        v.checked
                    )
                }
            });
            // 3: tampering found, apart from 1 (the check itself failed).
            Ok(if v.valid { 0 } else { 3 })
        }
    }
}

fn export(
    engine: &Engine,
    out: &Output,
    since: Option<&str>,
    format: &str,
    path: Option<&str>,
) -> Result<i32, MfaError> {
    let csv = match format {
        "jsonl" => false,
        "csv" => true,
        _ => return Err(MfaError::invalid("format", "must be jsonl or csv")),
    };
    let since = match since {
        Some(s) => Some(
            serde_json::from_value::<UnixTime>(match s.trim().parse::<i64>() {
                Ok(n) => serde_json::Value::from(n),
                Err(_) => serde_json::Value::from(s),
            })
            .map_err(|_| MfaError::invalid("since", "must be Unix seconds or RFC 3339"))?
            .0,
        ),
        None => None,
    };
    let io = |e: std::io::Error| MfaError::invalid("output", format!("cannot be written: {e}"));
    let mut sink: Box<dyn Write> = match path {
        Some(p) => Box::new(std::io::BufWriter::new(private_file(p).map_err(io)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if csv {
        writeln!(
            sink,
            "id,userId,action,method,success,ipAddress,userAgent,detail,createdAt,chain"
        )
        .map_err(io)?;
    }
    let spinner = out.spinner("exporting");
    let mut after = None;
    let mut count = 0u64;
    loop {
        let page = engine.export_audit(since, after, Some(PAGE))?;
        for e in &page {
            let line = if csv {
                csv_line(e)
            } else {
                serde_json::to_string(e).map_err(|e| MfaError::internal(e.to_string()))?
            };
            writeln!(sink, "{line}").map_err(io)?;
        }
        count += page.len() as u64;
        spinner.set_message(format!("exporting: {count} events"));
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.id),
            _ => break,
        }
    }
    sink.flush().map_err(io)?;
    spinner.finish_and_clear();
    if path.is_some() {
        eprintln!("exported {count} events");
    }
    Ok(0)
}

/// A new file only its owner can read (the log holds users' ids and addresses).
fn private_file(path: &str) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// One CSV line: fields with a comma, quote or line break are quoted, and a field a
/// spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR) starts with `'`.
fn csv_line(e: &AuditEvent) -> String {
    let quote = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let opt = |s: &Option<String>| s.as_deref().map(quote).unwrap_or_default();
    [
        e.id.to_string(),
        opt(&e.user_id),
        quote(&e.action),
        opt(&e.method),
        e.success.to_string(),
        opt(&e.ip_address),
        opt(&e.user_agent),
        opt(&e.detail),
        e.created_at.clone(),
        opt(&e.chain),
    ]
    .join(",")
}
