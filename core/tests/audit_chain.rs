//! The tamper-evident audit log: each row's keyed link to the one before. Editing, inserting
//! or deleting rows straight in the database is found at the first row concerned; retention,
//! deleted users and export leave what remains verifiable; appends from many threads at once
//! keep one chain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::api::AuditVerification;
use plinto_mfa_core::Engine;

/// A log of about 12 rows: three users signing up and in.
fn busy_log(env: &Env) -> Engine {
    let engine = env.engine();
    for i in 0..3 {
        let email = format!("chain{i}@example.com");
        engine.sign_up(&email, PASSWORD, None, &ctx()).unwrap();
        engine.sign_in(&email, PASSWORD, &ctx()).unwrap();
        let _ = engine.sign_in(&email, "Wrong-Password-9", &ctx());
        env.clock.advance(60);
    }
    engine
}

fn ids(env: &Env) -> Vec<i64> {
    env.sql_text("SELECT id FROM audit_events ORDER BY id", &[])
        .into_iter()
        .map(|v| v.unwrap().parse().unwrap())
        .collect()
}

fn broken(v: &AuditVerification) -> (Option<i64>, Option<&str>) {
    assert!(!v.valid, "{v:?}");
    (v.first_bad_id, v.problem.as_deref())
}

#[test]
fn an_untouched_log_verifies_and_reports_its_head() {
    let env = Env::new();
    let engine = busy_log(&env);
    let v = engine.verify_audit(None).unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(v.checked as usize, ids(&env).len());
    let head = v.head.clone().unwrap();
    assert_eq!(head.len(), 64);
    let anchor = v.anchor.clone().unwrap();
    assert_eq!(anchor, format!("{}:{head}", ids(&env).last().unwrap()));
    assert!(engine.verify_audit(Some(&anchor)).unwrap().valid);
    assert_eq!(
        engine.verify_audit(Some("12")).unwrap_err().field(),
        Some("anchor")
    );
    // The export carries each row's link; the last one is the head.
    let rows = engine.export_audit(None, None, None).unwrap();
    assert_eq!(rows.last().unwrap().chain.as_deref(), Some(head.as_str()));
    let page = engine
        .export_audit(None, Some(rows[2].id), Some(2))
        .unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        [rows[3].id, rows[4].id]
    );
}

#[test]
fn an_edited_row_is_found() {
    let env = Env::new();
    let engine = busy_log(&env);
    let victim = ids(&env)[4];
    env.sql_exec(&format!(
        "UPDATE audit_events SET success = NOT success WHERE id = {victim}"
    ));
    assert_eq!(
        broken(&engine.verify_audit(None).unwrap()),
        (Some(victim), Some("edited"))
    );
}

#[test]
fn a_deleted_row_is_found() {
    let env = Env::new();
    let engine = busy_log(&env);
    let all = ids(&env);
    env.sql_exec(&format!("DELETE FROM audit_events WHERE id = {}", all[5]));
    assert_eq!(
        broken(&engine.verify_audit(None).unwrap()),
        (Some(all[6]), Some("deleted"))
    );
}

#[test]
fn an_inserted_row_is_found() {
    let env = Env::new();
    let engine = busy_log(&env);
    let all = ids(&env);
    // Make room (as an attacker would), then insert a plausible row with a made-up link.
    let at = all[3];
    env.sql_exec(&format!(
        "UPDATE audit_events SET id = id + 1000000 WHERE id > {at};
         UPDATE audit_events SET id = id - 1000000 + 1 WHERE id > 1000000;
         INSERT INTO audit_events (id, user_id, action, success, created_at, chain)
           VALUES ({}, NULL, 'sign_in', TRUE, {}, NULL);",
        at + 1,
        T0
    ));
    assert_eq!(
        broken(&engine.verify_audit(None).unwrap()),
        (Some(at + 1), Some("inserted"))
    );
}

#[test]
fn a_cut_off_end_is_found_against_a_kept_anchor_and_a_forged_or_missing_checkpoint_is_refused() {
    let env = Env::new();
    let engine = busy_log(&env);
    let anchor = engine.verify_audit(None).unwrap().anchor.unwrap();
    let last = *ids(&env).last().unwrap();
    env.sql_exec(&format!(
        "DELETE FROM audit_events WHERE id >= {}",
        last - 1
    ));
    // New rows after the cut link to what is left: only the anchor tells.
    engine
        .sign_in("chain1@example.com", PASSWORD, &ctx())
        .unwrap();
    assert!(engine.verify_audit(None).unwrap().valid);
    let v = engine.verify_audit(Some(&anchor)).unwrap();
    assert_eq!(broken(&v), (Some(last), Some("anchor")));
    // Moving the checkpoint past rows (to pass deleted rows off as purged) needs its MAC.
    env.sql_exec("UPDATE audit_checkpoint SET last_id = last_id + 3");
    assert_eq!(
        engine.verify_audit(None).unwrap().problem.as_deref(),
        Some("checkpoint")
    );
    // Without a checkpoint, nothing verifies, and a new process does not start a new chain.
    env.sql_exec("DELETE FROM audit_checkpoint");
    drop(engine);
    let reopened = env.engine();
    assert_eq!(
        reopened.verify_audit(None).unwrap().problem.as_deref(),
        Some("checkpoint")
    );
}

#[test]
fn retention_does_not_purge_past_a_broken_link() {
    let env = Env::new();
    let engine = busy_log(&env);
    let all = ids(&env);
    engine
        .configure(&serde_json::json!({"audit": {"retentionDays": 1}}))
        .unwrap();
    // Rows backdated so that retention would erase them: the dates are part of the links,
    // so the purge finds the first link broken and erases nothing.
    env.sql_exec(&format!(
        "UPDATE audit_events SET created_at = 0 WHERE id <= {}",
        all[6]
    ));
    engine
        .sign_in("chain2@example.com", PASSWORD, &ctx())
        .unwrap();
    assert_eq!(ids(&env)[0], all[0], "nothing purged");
    assert_eq!(
        broken(&engine.verify_audit(None).unwrap()),
        (Some(all[0]), Some("edited"))
    );
    // Rows really that old, one of them edited: the verified run before the edit goes.
    let env = Env::new();
    let engine = busy_log(&env);
    let all = ids(&env);
    env.sql_exec(&format!(
        "UPDATE audit_events SET detail = 'forged' WHERE id = {}",
        all[4]
    ));
    env.clock.advance(2 * 86_400);
    engine
        .configure(&serde_json::json!({"audit": {"retentionDays": 1}}))
        .unwrap();
    engine
        .sign_in("chain2@example.com", PASSWORD, &ctx())
        .unwrap();
    assert_eq!(
        ids(&env)[0],
        all[4],
        "the rows before the edited one went, the rest stayed"
    );
    assert_eq!(
        broken(&engine.verify_audit(None).unwrap()),
        (Some(all[4]), Some("edited"))
    );
}

#[test]
fn retention_and_deleted_users_leave_the_rest_verifiable() {
    let env = Env::new();
    let engine = busy_log(&env);
    let uid = engine
        .sign_up("gone@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    engine.delete_user(&uid, &ctx()).unwrap();
    assert!(
        engine.verify_audit(None).unwrap().valid,
        "pseudonymized rows still link"
    );
    let before = ids(&env);
    env.clock.advance(2 * 86_400);
    engine
        .configure(&serde_json::json!({"audit": {"retentionDays": 1}}))
        .unwrap();
    // A sign-in's housekeeping purges the old rows and moves the checkpoint past them.
    engine
        .sign_in("chain0@example.com", PASSWORD, &ctx())
        .unwrap();
    let after = ids(&env);
    assert!(
        after.len() < before.len() && after[0] > before[0],
        "{after:?}"
    );
    let v = engine.verify_audit(None).unwrap();
    assert!(v.valid, "{v:?}");
    assert!(v.checkpoint_id.unwrap() >= before[0]);
    // A process opened later on the same database verifies it too.
    drop(engine);
    assert!(env.engine().verify_audit(None).unwrap().valid);
}

#[test]
fn concurrent_appends_keep_one_chain() {
    let env = Env::new();
    let engine = std::sync::Arc::new(env.engine());
    for i in 0..8 {
        engine
            .sign_up(&format!("c{i}@example.com"), PASSWORD, None, &ctx())
            .unwrap();
    }
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let engine = std::sync::Arc::clone(&engine);
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let _ =
                        engine.sign_in(&format!("c{i}@example.com"), "Wrong-Password-9", &ctx());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let v = engine.verify_audit(None).unwrap();
    assert!(v.valid, "{v:?}");
    assert!(v.checked >= 88, "{v:?}");
}

#[test]
fn a_chain_restarted_by_blanking_its_checkpoint_fails_against_an_anchor() {
    let env = Env::new();
    let engine = busy_log(&env);
    let anchor = engine.verify_audit(None).unwrap().anchor.unwrap();
    // Everything cleared as if the log were older than the chain, then a new process opens.
    env.sql_exec(
        "UPDATE audit_events SET chain = NULL;
         UPDATE audit_checkpoint SET link = ''::bytea, mac = ''::bytea,
           last_id = (SELECT MAX(id) FROM audit_events)"
            .replace(
                "''::bytea",
                if env.is_postgres() {
                    "''::bytea"
                } else {
                    "X''"
                },
            )
            .as_str(),
    );
    drop(engine);
    let reopened = env.engine();
    assert!(
        reopened.verify_audit(None).unwrap().valid,
        "no rows checked, nothing to compare"
    );
    let v = reopened.verify_audit(Some(&anchor)).unwrap();
    assert_eq!(v.problem.as_deref(), Some("anchor"), "{v:?}");
}
