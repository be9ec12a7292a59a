//! The `plinto` command run as a process on a SQLite file: import, rollout, stats, users,
//! audit export and verification (also after tampering with the file), key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const BCRYPT: &str = "$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2";

struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("plinto.db")
    }

    fn run_with(&self, key: &str, extra: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinto"));
        cmd.args(args)
            .env("PLINTO_DATABASE", self.path())
            .env("PLINTO_SECRET_KEY", key)
            .env_remove("PLINTO_PREVIOUS_SECRET_KEYS")
            .env_remove("PLINTO_CONFIG");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Runs with `--json` and returns the status and the answer.
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run_with(KEY, &[], &all);
        let text = String::from_utf8_lossy(&out.stdout);
        let value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{args:?}: {e}: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), value)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}

fn sql(path: &Path, statement: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(statement)
        .unwrap();
}

#[test]
fn import_rollout_stats_and_users() {
    let db = Db::new();
    let file = db.write(
        "users.jsonl",
        &format!(
            "{{\"email\":\"a@example.com\",\"passwordHash\":\"{BCRYPT}\",\"totpSecret\":\"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\",\"backupCodes\":[\"AAAA1111\"]}}\n\
             {{\"email\":\"b@example.com\",\"passwordHash\":\"{BCRYPT}\",\"role\":\"admin\"}}\n\
             {{\"email\":\"broken\"}}\n"
        ),
    );
    let (code, dry) = db.json(&["import", &file, "--dry-run"]);
    assert_eq!(
        (code, dry["imported"].as_u64(), dry["dryRun"].as_bool()),
        (1, Some(2), Some(true))
    );
    let (code, report) = db.json(&["import", &file]);
    assert_eq!(code, 1, "a refused line fails the command");
    assert_eq!(report["imported"], 2);
    assert_eq!(report["issues"][0]["line"], 3);
    let (_, again) = db.json(&["import", &file]);
    assert_eq!(
        (again["imported"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(2))
    );

    let (code, status) = db.json(&["rollout", "set-phase", "REQUIRED_ADMIN"]);
    assert_eq!(
        (code, status["phase"].as_str()),
        (0, Some("required_admin"))
    );
    let (_, status) = db.json(&["rollout", "set-percentage", "50"]);
    assert_eq!(status["percentage"], 50);
    let (_, status) = db.json(&["rollout", "set-prompts", "dashboard", "settings"]);
    assert_eq!(
        status["promptLocations"],
        serde_json::json!(["dashboard", "settings"])
    );
    let (_, enforced) = db.json(&["rollout", "enforce", "--batch", "1"]);
    assert_eq!(enforced["scanned"], 2);
    assert_eq!(enforced["newlyRequired"], 1, "the admin without MFA");
    assert_eq!(enforced["enrolled"], 1);
    let (_, stats) = db.json(&["stats", "--days", "7"]);
    assert_eq!(
        (stats["users"].as_u64(), stats["enrolled"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(stats["withinGrace"], 1);
    assert_eq!(stats["enrollmentsPerDay"].as_array().unwrap().len(), 7);

    let (_, shown) = db.json(&["user", "show", "B@example.com"]);
    assert_eq!(shown["user"]["role"], "admin");
    assert_eq!(shown["rollout"]["enrollment"]["required"], true);
    let (code, unlocked) = db.json(&["user", "unlock", "b@example.com", "--reason", "ticket 12"]);
    assert_eq!((code, unlocked["success"].as_bool()), (0, Some(true)));
    let (code, reset) = db.json(&[
        "user",
        "reset-mfa",
        "a@example.com",
        "--reason",
        "lost phone",
    ]);
    assert_eq!((code, reset["success"].as_bool()), (0, Some(true)));
    let (_, shown) = db.json(&["user", "show", "a@example.com"]);
    assert_eq!(shown["mfa"]["enabled"], false);
    let (code, missing) = db.json(&["user", "show", "nobody@example.com"]);
    assert_eq!(
        (code, missing["error"]["code"].as_str()),
        (1, Some("not_found"))
    );
    let text = db.run_with(KEY, &[], &["stats"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("enrollments per day"));
}

#[test]
fn audit_export_and_verification_after_tampering() {
    let db = Db::new();
    let file = db.write(
        "u.csv",
        &format!("email,passwordHash\nx@example.com,{BCRYPT}\ny@example.com,{BCRYPT}\n"),
    );
    assert_eq!(db.json(&["import", &file]).0, 0);
    db.json(&["rollout", "set-phase", "encouraged"]);
    let (code, v) = db.json(&["audit", "verify"]);
    assert_eq!(
        (code, v["valid"].as_bool(), v["checked"].as_u64()),
        (0, Some(true), Some(3))
    );
    let head = v["head"].as_str().unwrap().to_string();

    let csv = db.run_with(KEY, &[], &["audit", "export", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("id,userId,action"));
    assert!(lines[3].ends_with(&head), "the last row's link is the head");
    let out = db.dir.path().join("audit.jsonl");
    let status = db.run_with(
        KEY,
        &[],
        &["audit", "export", "--output", out.to_str().unwrap()],
    );
    assert!(status.status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let exported = std::fs::read_to_string(&out).unwrap();
    let first: Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "user_import");

    // Someone with write access to the file edits a row: the chain breaks there.
    sql(
        &db.path(),
        "UPDATE audit_events SET detail = 'nothing to see' WHERE id = 2",
    );
    let (code, v) = db.json(&["audit", "verify"]);
    assert_eq!(
        (code, v["firstBadId"].as_i64(), v["problem"].as_str()),
        (3, Some(2), Some("edited"))
    );
    let text = db.run_with(KEY, &[], &["audit", "verify"]);
    assert_eq!(text.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&text.stdout).contains("BROKEN"));
}

#[test]
fn rotate_key_reseals_and_can_run_again() {
    let db = Db::new();
    let file = db.write(
        "u.jsonl",
        &format!("{{\"email\":\"r@example.com\",\"passwordHash\":\"{BCRYPT}\",\"totpSecret\":\"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\"}}\n"),
    );
    assert_eq!(db.json(&["import", &file]).0, 0);
    let new = "0202020202020202020202020202020202020202020202020202020202020202";
    let missing = db.run_with(KEY, &[], &["rotate-key"]);
    assert_eq!(missing.status.code(), Some(1));
    for _ in 0..2 {
        let out = db.run_with(
            KEY,
            &[("PLINTO_NEW_SECRET_KEY", new)],
            &["--json", "rotate-key"],
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["success"],
            true,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The new key opens the database alone; the old one no longer does.
    assert_eq!(
        db.run_with(new, &[], &["rollout", "status"]).status.code(),
        Some(0)
    );
    let old = db.run_with(KEY, &[], &["--json", "rollout", "status"]);
    let v: Value = serde_json::from_slice(&old.stdout).unwrap();
    assert_eq!(v["error"]["code"], "key_mismatch");
}

#[test]
fn bad_usage_exits_2_and_no_command_acts_on_a_database_that_is_not_there() {
    let db = Db::new();
    let (code, v) = db.json(&["rollout", "status"]);
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (1, Some("PLINTO_DATABASE"))
    );
    assert!(!db.path().exists(), "nothing created");
    let unset = Command::new(env!("CARGO_BIN_EXE_plinto"))
        .args(["--json", "stats"])
        .env_remove("PLINTO_DATABASE")
        .current_dir(db.dir.path())
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unset.stdout).contains("PLINTO_DATABASE"));
    assert_eq!(
        db.run_with(KEY, &[], &["frobnicate"]).status.code(),
        Some(2)
    );
    assert_eq!(db.run_with(KEY, &[], &["--help"]).status.code(), Some(0));
    assert_eq!(
        db.run_with(KEY, &[], &["user", "unlock", "x@example.com"])
            .status
            .code(),
        Some(2)
    );
}
