//! In production a missing master key is an error, not a key file beside the database.
//! (Its own test binary: it changes the process environment.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::env::{key_file_path, options_from_json};
use plinto_mfa_core::SecretKey;
use serde_json::json;

#[test]
fn production_needs_an_explicit_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prod.db").to_string_lossy().into_owned();
    std::env::remove_var("PLINTO_SECRET_KEY");
    std::env::remove_var("PLINTO_SECRET_KEY_FILE");
    for (name, value) in [("NODE_ENV", "production"), ("PLINTO_ENV", "Production")] {
        std::env::set_var(name, value);
        let e = options_from_json(&json!({ "database": db })).err().unwrap();
        assert_eq!(e.field(), Some("secretKey"), "{name}");
        assert!(!key_file_path(&db).exists(), "no key file is written");
        std::env::remove_var(name);
    }
    // A key file named explicitly is fine; so is the key itself.
    std::env::set_var("NODE_ENV", "production");
    let key = SecretKey::generate().unwrap();
    let file = dir.path().join("mounted.key");
    std::fs::write(&file, key.to_hex()).unwrap();
    std::env::set_var("PLINTO_SECRET_KEY_FILE", &file);
    let opened = options_from_json(&json!({ "database": db })).unwrap();
    assert_eq!(opened.secret_key.id(), key.id());
    std::env::set_var("PLINTO_SECRET_KEY_FILE", dir.path().join("missing.key"));
    let e = options_from_json(&json!({ "database": db })).err().unwrap();
    assert_eq!(e.field(), Some("PLINTO_SECRET_KEY_FILE"));
    std::env::remove_var("PLINTO_SECRET_KEY_FILE");
    assert!(options_from_json(&json!({ "database": db, "secretKey": key.to_hex() })).is_ok());
    // Outside production the development key file is still made.
    std::env::remove_var("NODE_ENV");
    assert!(options_from_json(&json!({ "database": db })).is_ok());
    assert!(key_file_path(&db).exists());
}
