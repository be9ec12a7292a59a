//! A software security key for tests of the bindings: reads the options a relying party
//! produced (the engine's result with `publicKey`, or the bare options) on stdin and prints
//! the browser's credential JSON, as `navigator.credentials.create()` / `.get()` would.
//!
//! Usage: `soft_authenticator STATE_FILE register|authenticate [ORIGIN]`. The key lives in
//! STATE_FILE (created on first use), so it can sign later for what it registered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::io::Read;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

fn main() {
    if let Err(e) = run() {
        eprintln!("soft_authenticator: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(state), Some(op)) = (args.get(1), args.get(2)) else {
        return Err("usage: soft_authenticator STATE_FILE register|authenticate [ORIGIN]".into());
    };
    let origin = Url::parse(args.get(3).map_or("http://localhost", String::as_str))?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let options: Value = serde_json::from_str(&input)?;
    let public_key = options.get("publicKey").cloned().unwrap_or(options);
    let mut token = match std::fs::read(state) {
        Ok(bytes) => SoftToken::from_cbor(&bytes).map_err(|e| format!("{e:?}"))?,
        Err(_) => SoftToken::new(true).map_err(|e| format!("{e:?}"))?.0,
    };
    let out = match op.as_str() {
        "register" => {
            let ccr: CreationChallengeResponse =
                serde_json::from_value(json!({ "publicKey": public_key }))?;
            let cred = token
                .do_registration(origin, ccr)
                .map_err(|e| format!("{e:?}"))?;
            serde_json::to_value(cred)?
        }
        "authenticate" => {
            let rcr: RequestChallengeResponse =
                serde_json::from_value(json!({ "publicKey": public_key }))?;
            let cred = token
                .do_authentication(origin, rcr)
                .map_err(|e| format!("{e:?}"))?;
            serde_json::to_value(cred)?
        }
        other => return Err(format!("unknown operation {other}").into()),
    };
    std::fs::write(state, token.to_cbor().map_err(|e| format!("{e:?}"))?)?;
    println!("{out}");
    Ok(())
}
