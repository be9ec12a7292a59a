//! Importing users: every password-hash format (hashes made by independent implementations)
//! signs in and is upgraded to argon2id, TOTP secrets and backup codes work at once, a
//! malformed file is reported line by line with nothing half-imported, and a second import
//! changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::api::{ImportReport, ImportUsersRequest};
use plinto_mfa_core::{totp, Engine, MfaError};
use serde_json::{json, Value};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/imported_password_hashes.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn import(engine: &Engine, format: &str, data: &str, dry_run: bool) -> ImportReport {
    engine
        .import_users(&ImportUsersRequest {
            data: Some(data.into()),
            format: Some(format.into()),
            dry_run: Some(dry_run),
            context: ctx(),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn every_hash_format_signs_in_once_imported_and_is_upgraded() {
    let env = Env::new();
    let engine = env.engine();
    let v = vectors();
    let password = v["password"].as_str().unwrap();
    let cases = v["cases"].as_array().unwrap();
    let lines: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({ "email": format!("fmt{i}@example.com"), "passwordHash": c["hash"] }).to_string()
        })
        .collect();
    let report = import(&engine, "jsonl", &lines.join("\n"), false);
    assert_eq!(
        (report.imported, report.failed),
        (cases.len() as u64, 0),
        "{report:?}"
    );
    for (i, case) in cases.iter().enumerate() {
        let email = format!("fmt{i}@example.com");
        assert_eq!(
            engine.sign_in(&email, "Wrong-Pass-1", &ctx()).err(),
            Some(MfaError::InvalidCredentials),
            "{}",
            case["format"]
        );
        let r = engine.sign_in(&email, password, &ctx()).unwrap();
        assert!(r.session.is_some(), "{}", case["format"]);
        let stored = env.sql_text(
            "SELECT password_hash FROM users WHERE email = ?1",
            &[&email],
        );
        let stored = stored[0].as_deref().unwrap();
        let own = format!("$argon2id$v=19$m={},", fast_config().password.memory_kib);
        assert!(stored.starts_with(&own), "upgraded: {stored}");
        // The upgraded hash keeps working.
        assert!(engine
            .sign_in(&email, password, &ctx())
            .unwrap()
            .session
            .is_some());
    }
}

#[test]
fn factors_arrive_sealed_and_work_at_once() {
    let env = Env::new();
    let engine = env.engine();
    let hash = vectors()["cases"][0]["hash"].as_str().unwrap().to_string();
    let csv = format!(
        "email,passwordHash,role,totpSecret,totpAlgorithm,totpDigits,totpPeriod,phoneNumber,mfaEmail,backupCodes\n\
         Alice@Example.com,{hash},admin,{SECRET},SHA256,8,60,+14155550100,codes@example.com,ABCD-2345 EFGH6789\n"
    );
    let report = import(&engine, "csv", &csv, false);
    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(
        (
            report.with_totp,
            report.with_sms,
            report.with_email,
            report.with_backup_codes
        ),
        (1, 1, 1, 1)
    );
    // Nothing secret is stored as given (the SQLite files, read while the engine is open).
    if !env.is_postgres() {
        let bytes = read_all_files(env.dir.path());
        assert!(
            bytes.windows(17).any(|w| w == b"alice@example.com"),
            "sanity"
        );
        let raw = totp::secret_from_base32(SECRET, "s").unwrap();
        for secret in [
            SECRET.as_bytes(),
            &raw,
            b"+14155550100",
            b"codes@example.com",
            b"ABCD2345",
            b"EFGH6789",
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{secret:?}"
            );
        }
    }
    let password = vectors()["password"].as_str().unwrap().to_string();
    let pending = || {
        let r = engine
            .sign_in("alice@example.com", &password, &ctx())
            .unwrap();
        r.session_id.unwrap()
    };
    let p = pending();
    let raw = totp::secret_from_base32(SECRET, "s").unwrap();
    let params = totp::TotpParams {
        algorithm: totp::TotpAlgorithm::Sha256,
        digits: 8,
        period: 60,
    };
    let code = totp::code_at(&raw, params, env.now()).unwrap();
    let r = engine.verify_mfa(&by_session(&p, "totp", &code)).unwrap();
    assert!(r.success, "{r:?}");
    let user = r.user.unwrap();
    assert_eq!(user.role, "admin");
    assert_eq!(user.mfa_methods, ["totp", "sms", "email", "backup"]);
    let p = pending();
    assert!(
        engine
            .verify_mfa(&by_session(&p, "backup", "efgh-6789"))
            .unwrap()
            .success
    );
}

#[test]
fn a_malformed_file_is_reported_by_line_and_field_and_nothing_is_half_imported() {
    let env = Env::new();
    let engine = env.engine();
    let hash = vectors()["cases"][1]["hash"].as_str().unwrap().to_string();
    let good = |email: &str| json!({ "email": email, "passwordHash": hash }).to_string();
    let data = [
        good("ok1@example.com"),
        String::new(),
        "{ not json".into(),
        json!({ "email": "nohash@example.com" }).to_string(),
        json!({ "email": "bad-hash@example.com", "passwordHash": "md5:abc" }).to_string(),
        json!({ "email": "bad-secret@example.com", "passwordHash": hash, "totpSecret": "!!" }).to_string(),
        json!({ "email": "short@example.com", "passwordHash": hash, "totpSecret": "JBSWY3DP" }).to_string(),
        json!({ "email": "phone@example.com", "passwordHash": hash, "phoneNumber": "call me" }).to_string(),
        json!({ "email": "codes@example.com", "passwordHash": hash, "backupCodes": ["ABCDEFGH"] }).to_string(),
        json!({ "email": "costly@example.com", "passwordHash": "$2b$31$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2" }).to_string(),
        json!({ "email": "extra@example.com", "passwordHash": hash, "favourite": 1 }).to_string(),
        json!({ "email": "not-an-email", "passwordHash": hash }).to_string(),
        good("ok2@example.com"),
    ]
    .join("\n");
    let dry = import(&engine, "jsonl", &data, true);
    assert!(dry.dry_run);
    assert_eq!((dry.imported, dry.failed), (2, 10));
    assert_eq!(
        env.sql_count("SELECT COUNT(*) FROM users", &[]),
        0,
        "a dry run writes nothing"
    );

    let report = import(&engine, "jsonl", &data, false);
    let issues: Vec<(u64, &str)> = report
        .issues
        .iter()
        .map(|i| (i.line, i.field.as_str()))
        .collect();
    assert_eq!(
        issues,
        [
            (3, "record"),
            (4, "passwordHash"),
            (5, "passwordHash"),
            (6, "totpSecret"),
            (7, "totpSecret"),
            (8, "phoneNumber"),
            (9, "backupCodes"),
            (10, "passwordHash"),
            (11, "favourite"),
            (12, "email"),
        ],
        "{report:?}"
    );
    assert_eq!(
        (report.records, report.imported, report.failed),
        (12, 2, 10)
    );
    // Only the good users exist, and no orphan factor rows.
    assert_eq!(env.sql_count("SELECT COUNT(*) FROM users", &[]), 2);
    assert_eq!(env.sql_count("SELECT COUNT(*) FROM totp_devices", &[]), 0);
    assert_eq!(env.sql_count("SELECT COUNT(*) FROM backup_codes", &[]), 0);

    // The same file again changes nothing.
    let again = import(&engine, "jsonl", &data, false);
    assert_eq!((again.imported, again.skipped), (0, 2));
    assert_eq!(
        env.sql_count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user_import'",
            &[]
        ),
        2
    );
}

#[test]
fn csv_edge_cases_and_request_checks() {
    let env = Env::new();
    let engine = env.engine();
    let hash = vectors()["cases"][3]["hash"].as_str().unwrap().to_string();
    let csv = format!(
        "\u{feff}email,passwordHash,totpName\r\n\"quoted@example.com\",\"{hash}\",\"Work, phone\"\r\nshort@example.com,\"{hash}\"\r\n"
    );
    let report = import(&engine, "csv", &csv, false);
    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(report.issues[0].line, 3);
    assert_eq!(report.issues[0].field, "record");
    let bad = |r: ImportUsersRequest| {
        engine
            .import_users(&r)
            .err()
            .and_then(|e| e.field().map(str::to_string))
    };
    assert_eq!(bad(ImportUsersRequest::default()).as_deref(), Some("data"));
    assert_eq!(
        bad(ImportUsersRequest {
            data: Some(String::new()),
            format: Some("xml".into()),
            ..Default::default()
        })
        .as_deref(),
        Some("format")
    );
    assert_eq!(
        bad(ImportUsersRequest {
            path: Some("/nonexistent/users.csv".into()),
            ..Default::default()
        })
        .as_deref(),
        Some("path")
    );
    // A path is read, its format taken from the extension.
    let file = env.dir.path().join("users.csv");
    std::fs::write(
        &file,
        format!("email,passwordHash\nfile@example.com,\"{hash}\"\n"),
    )
    .unwrap();
    let from_file = engine
        .import_users(&ImportUsersRequest {
            path: Some(file.to_string_lossy().into_owned()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(from_file.imported, 1);
}
