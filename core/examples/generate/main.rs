//! `make generate`: writes every binding's generated surface from core's operation table and
//! error-code table, or with `--check` fails when a checked-in file differs.
//!
//! Files: `bindings-node/operations.{js,d.ts}`, `bindings-python/python/plinto/_operations.py`,
//! `bindings-swift/src/operations.rs`, `tests/vectors/error_codes.json` and
//! `tests/vectors/operations.json`.

mod model;
mod node;
mod python;
mod uniffi;

use plinto_mfa_core::ops::Namespace;
use plinto_mfa_core::ErrorCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn vectors(model: &model::Model) -> (String, String) {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let errors: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| {
            json!({
                "code": c.as_str(),
                "name": c.name(),
                "httpStatus": c.http_status(),
                "retryable": c.retryable(),
                "description": c.description(),
            })
        })
        .collect();
    let errors = json!({ "codes": codes, "errors": errors });
    let ops: Vec<Value> = model
        .ops
        .iter()
        .map(|o| {
            let ns = match o.namespace() {
                Namespace::Auth => "auth",
                Namespace::Mfa => "mfa",
                Namespace::Authenticator => "authenticator",
            };
            let place = match o.namespace() {
                Namespace::Auth => "auth.",
                Namespace::Mfa => "auth.mfa.",
                Namespace::Authenticator => "",
            };
            json!({
                "name": o.info.name,
                "node": format!("{place}{}", o.js_name()),
                "namespace": ns,
                "stateless": o.info.flags.stateless,
                "sendsCode": o.info.flags.sends_code,
                "needsSession": o.info.flags.needs_session,
                "brief": o.info.flags.brief,
                "note": o.info.note,
                "custom": {
                    "node": o.info.custom.node,
                    "python": o.info.custom.python,
                    "uniffi": o.info.custom.uniffi,
                },
            })
        })
        .collect();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    (pretty(&errors), pretty(&json!({ "operations": ops })))
}

/// Rust source as `cargo fmt` leaves it (the file lives in a crate the formatter checks).
fn rustfmt(source: String) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return source;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(source.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap_or(source),
        _ => source,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = model::load();
    let (errors, ops) = vectors(&model);
    let files = [
        ("bindings-node/operations.d.ts", node::declarations(&model)),
        ("bindings-node/operations.js", node::implementation(&model)),
        (
            "bindings-python/python/plinto/_operations.py",
            python::module(&model),
        ),
        (
            "bindings-swift/src/operations.rs",
            rustfmt(uniffi::facade(&model)),
        ),
        ("tests/vectors/error_codes.json", errors),
        ("tests/vectors/operations.json", ops),
    ];
    let mut stale = Vec::new();
    for (path, text) in files {
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == text {
            continue;
        }
        if check {
            stale.push(path);
        } else if let Err(e) = std::fs::write(&full, text) {
            eprintln!("cannot write {path}: {e}");
            return ExitCode::FAILURE;
        } else {
            println!("wrote {path}");
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "generated files differ from the operation table (run `make generate`): {}",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
