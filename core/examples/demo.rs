//! Terminal demo: signs up a user on the embedded SQLite default, enrolls TOTP, prints the QR
//! code, and (when run in a terminal) confirms the code typed from an authenticator app.
#![allow(clippy::print_stdout)]

use plinto_mfa_core::{env, qr, EnableMfaRequest, Engine, RequestContext, VerifyMfaRequest};
use std::io::{BufRead, IsTerminal, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::open(env::options_from_env()?)?;
    let ctx = RequestContext::default();
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("demo-{}@example.com", std::process::id()));
    let signed_up = engine.sign_up(&email, "DemoPassword123!", None, &ctx)?;
    println!("Signed up {email} (password DemoPassword123!)");
    let setup = engine.enable_mfa(&EnableMfaRequest {
        user_id: signed_up.user.id.clone(),
        method: "totp".into(),
        label: Some("Plinto Demo".into()),
        ..Default::default()
    })?;
    let uri = setup.qr_code_url.unwrap_or_default();
    println!("\nScan this with an authenticator app:\n");
    println!("{}", qr::terminal(&uri)?);
    println!("otpauth URI : {uri}");
    println!("Manual key  : {}", setup.secret.unwrap_or_default());
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    print!("\nEnter the 6-digit code from the app: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let result = engine.verify_mfa(&VerifyMfaRequest {
        user_id: Some(signed_up.user.id),
        method: "totp".into(),
        code: line.trim().into(),
        ..Default::default()
    })?;
    if result.success {
        println!("MFA is on. Backup codes (shown once):");
        for c in result.backup_codes.unwrap_or_default() {
            println!("  {c}");
        }
    } else {
        println!(
            "Wrong code ({:?} attempts left).",
            result.attempts_remaining
        );
    }
    Ok(())
}
