//! The operation conformance vectors (`tests/vectors/operations/*.json`), run through core's
//! JSON dispatch: the same scenarios every binding runs through its own boundary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::{env, ops, Engine};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

const KEY: &str = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";

fn vectors() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/operations");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `"$name.path"` replaced by what step `name` saved.
fn resolve(v: &Value, saved: &Map<String, Value>) -> Value {
    match v {
        Value::String(s) if s.starts_with('$') => {
            let mut parts = s[1..].split('.');
            let mut cur = saved
                .get(parts.next().unwrap())
                .unwrap_or_else(|| panic!("nothing saved as {s}"));
            for p in parts {
                cur = match p.parse::<usize>() {
                    Ok(i) => &cur[i],
                    Err(_) => &cur[p],
                };
            }
            cur.clone()
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve(x, saved)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, saved)).collect()),
        other => other.clone(),
    }
}

/// Whether `got` matches `pattern` (see tests/vectors/operations/README.md).
fn matches(pattern: &Value, got: Option<&Value>) -> bool {
    let present = got.is_some_and(|g| !g.is_null());
    match pattern.as_str() {
        Some("$absent") => return !present,
        Some("$present") => return present,
        Some("$string") => return got.is_some_and(Value::is_string),
        Some("$number") => return got.is_some_and(Value::is_number),
        _ => {}
    }
    let Some(got) = got else { return false };
    match (pattern, got) {
        (Value::Object(p), Value::Object(g)) => p.iter().all(|(k, v)| matches(v, g.get(k))),
        (Value::Array(p), Value::Array(g)) => {
            p.len() == g.len() && p.iter().zip(g).all(|(a, b)| matches(a, Some(b)))
        }
        _ => pattern == got,
    }
}

#[test]
fn every_operation_vector_passes_through_core() {
    let dir = tempfile::tempdir().unwrap();
    for (name, vector) in vectors() {
        let mut options = json!({
            "database": dir.path().join(format!("{name}.db")).to_string_lossy(),
            "secretKey": KEY,
            "password": {"memoryKib": 64, "iterations": 1}
        });
        if let Some(Value::Object(extra)) = vector.get("options") {
            for (k, v) in extra {
                options[k] = v.clone();
            }
        }
        let engine = Engine::open(env::options_from_json(&options).unwrap()).unwrap();
        let mut saved = Map::new();
        saved.insert("key".into(), json!(KEY));
        for (i, step) in vector["steps"].as_array().unwrap().iter().enumerate() {
            let op = step["op"].as_str().unwrap();
            let args = resolve(&step["args"], &saved);
            let outcome = ops::dispatch(&engine, op, &args);
            let at = format!("{name} step {i} ({op})");
            match (
                &step["expect"].get("ok"),
                &step["expect"].get("error"),
                outcome,
            ) {
                (Some(pattern), _, Ok(result)) => {
                    assert!(
                        matches(pattern, Some(&result)),
                        "{at}: {result} does not match {pattern}"
                    );
                    if let Some(key) = step.get("save").and_then(Value::as_str) {
                        saved.insert(key.into(), result);
                    }
                }
                (_, Some(pattern), Err(e)) => {
                    let got = ops::error_json(&e);
                    assert!(
                        matches(pattern, Some(&got)),
                        "{at}: {got} does not match {pattern}"
                    );
                }
                (_, _, outcome) => panic!("{at}: unexpected {outcome:?}"),
            }
        }
    }
}
