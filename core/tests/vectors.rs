//! RFC 6238 and RFC 4226 test vectors, read from the shared `tests/vectors/` JSON files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::totp::{self, TotpAlgorithm, TotpParams};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn rfc6238_appendix_b() {
    let v = load("totp_rfc6238.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 18);
    for t in vectors {
        let params = TotpParams {
            algorithm: TotpAlgorithm::parse(t["algorithm"].as_str().unwrap(), "a").unwrap(),
            digits: u8::try_from(t["digits"].as_u64().unwrap()).unwrap(),
            period: u32::try_from(t["period"].as_u64().unwrap()).unwrap(),
        };
        let secret = t["secretAscii"].as_str().unwrap().as_bytes();
        let time = t["time"].as_i64().unwrap();
        let expected = t["code"].as_str().unwrap();
        assert_eq!(
            totp::code_at(secret, params, time).unwrap(),
            expected,
            "{t}"
        );
        assert_eq!(
            totp::check(secret, params, 1, expected, time).unwrap(),
            Some(params.step_at(time)),
            "{t}"
        );
    }
}

#[test]
fn rfc4226_appendix_d() {
    let v = load("hotp_rfc4226.json");
    let secret = v["secretAscii"].as_str().unwrap().as_bytes();
    let params = TotpParams {
        algorithm: TotpAlgorithm::Sha1,
        digits: 6,
        period: 30,
    };
    for t in v["vectors"].as_array().unwrap() {
        // HOTP(counter) is TOTP at the first second of step `counter`.
        let counter = t["counter"].as_i64().unwrap();
        assert_eq!(
            totp::code_at(secret, params, counter * 30).unwrap(),
            t["code"].as_str().unwrap()
        );
    }
}

#[test]
fn every_error_code_is_listed() {
    let v = load("error_codes.json");
    let listed: Vec<&str> = v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let codes: Vec<&str> = plinto_mfa_core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, codes);
}
