//! Interoperability with an independent implementation: oathtool (liboath).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::totp::{self, TotpAlgorithm, TotpParams};
use std::process::Command;

fn oathtool(alg: TotpAlgorithm, digits: u8, period: u32, b32: &str, at: i64) -> String {
    let mode = match alg {
        TotpAlgorithm::Sha1 => "--totp=sha1",
        TotpAlgorithm::Sha256 => "--totp=sha256",
        TotpAlgorithm::Sha512 => "--totp=sha512",
    };
    let out = Command::new("oathtool")
        .args([
            mode,
            "-b",
            "-d",
            &digits.to_string(),
            "-s",
            &format!("{period}s"),
            "-N",
            &format!("@{at}"),
            b32,
        ])
        .output()
        .expect("oathtool must be installed (make deps installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn codes_agree_with_oathtool_both_ways() {
    let times = [59_i64, 1_111_111_109, 1_700_000_015, 1_800_000_047];
    for alg in [
        TotpAlgorithm::Sha1,
        TotpAlgorithm::Sha256,
        TotpAlgorithm::Sha512,
    ] {
        for digits in [6u8, 8] {
            for period in [30u32, 60] {
                let params = TotpParams {
                    algorithm: alg,
                    digits,
                    period,
                };
                let secret = totp::generate_secret(alg).unwrap();
                let b32 = totp::secret_to_base32(&secret);
                for at in times {
                    let theirs = oathtool(alg, digits, period, &b32, at);
                    // oathtool's code is accepted by core…
                    assert_eq!(
                        totp::check(&secret, params, 1, &theirs, at).unwrap(),
                        Some(params.step_at(at)),
                        "{alg:?} {digits} {period} {at}"
                    );
                    // …and core's code is what oathtool computes.
                    assert_eq!(totp::code_at(&secret, params, at).unwrap(), theirs);
                }
            }
        }
    }
}
