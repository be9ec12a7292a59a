//! Settings from the environment, shared by every binding's default instance:
//! `PLINTO_DATABASE` (default `./plinto.db`), `PLINTO_SECRET_KEY`, `PLINTO_ISSUER`,
//! `PLINTO_CONFIG` (a JSON object of `configure()` options), and the
//! built-in senders: `PLINTO_SMTP_HOST`, `_PORT`, `_TLS` (none, starttls, tls), `_USER`,
//! `_PASSWORD`, `_FROM`; `PLINTO_TWILIO_ACCOUNT_SID`, `_AUTH_TOKEN`, `_FROM`, `_BASE_URL`;
//! `PLINTO_SNS_REGION`, `_ACCESS_KEY_ID`, `_SECRET_ACCESS_KEY`, `_SESSION_TOKEN`, `_ENDPOINT`
//! (with `PLINTO_SMS_PROVIDER=aws-sns`); `PLINTO_FCM_SERVICE_ACCOUNT_FILE` (the service
//! account's JSON key file), `PLINTO_FCM_BASE_URL`; `PLINTO_APNS_KEY_FILE` (the `.p8` file),
//! `PLINTO_APNS_KEY_ID`, `PLINTO_APNS_TEAM_ID`, `PLINTO_APNS_TOPIC`, `PLINTO_APNS_BASE_URL`.
//!
//! The master key comes from `PLINTO_SECRET_KEY`, or from the file `PLINTO_SECRET_KEY_FILE`
//! names (e.g. a mounted secret); `PLINTO_PREVIOUS_SECRET_KEYS` (comma-separated) are earlier
//! keys kept for opening values they sealed, during a rotation. Without either, outside production, a development key is
//! generated once and kept in a key file beside the database (`<database>.key`, mode 0600),
//! with a one-time warning on stderr; creating the file is atomic, so worker processes
//! starting together agree on one key. In production (`PLINTO_ENV=production` or
//! `NODE_ENV=production`) a missing key is an error: a key beside the database protects
//! nothing against whoever can read the database.

use crate::crypto::SecretKey;
use crate::engine::EngineOptions;
use crate::error::{MfaError, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Default database path.
pub const DEFAULT_DATABASE: &str = "./plinto.db";

static WARNED: AtomicBool = AtomicBool::new(false);

/// Engine options from `PLINTO_DATABASE`, `PLINTO_SECRET_KEY` and `PLINTO_ISSUER`.
pub fn options_from_env() -> Result<EngineOptions> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let database = var("PLINTO_DATABASE").unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    let key = key_from_env(&database)?;
    let mut options = EngineOptions::new(database, key);
    if let Some(keys) = var("PLINTO_PREVIOUS_SECRET_KEYS") {
        options.previous_keys = keys
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .map(|k| {
                SecretKey::parse(k.trim()).map_err(|_| {
                    MfaError::invalid(
                        "PLINTO_PREVIOUS_SECRET_KEYS",
                        "holds a key that is not 32 bytes in hex or base64",
                    )
                })
            })
            .collect::<Result<_>>()?;
    }
    if let Some(issuer) = var("PLINTO_ISSUER") {
        options
            .config
            .apply_json(&serde_json::json!({"methods": {"totp": {"issuer": issuer}}}))?;
    }
    if let Some(json) = var("PLINTO_CONFIG") {
        let value: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| MfaError::invalid("PLINTO_CONFIG", format!("is not valid JSON: {e}")))?;
        options.config.apply_json(&value)?;
    }
    if let Some(host) = var("PLINTO_SMTP_HOST") {
        let port = match var("PLINTO_SMTP_PORT") {
            Some(p) => Some(
                p.trim()
                    .parse::<i64>()
                    .map_err(|_| MfaError::invalid("PLINTO_SMTP_PORT", "must be a port number"))?,
            ),
            None => None,
        };
        let smtp = serde_json::json!({
            "host": host,
            "port": port,
            "tls": var("PLINTO_SMTP_TLS"),
            "username": var("PLINTO_SMTP_USER"),
            "password": var("PLINTO_SMTP_PASSWORD"),
            "from": var("PLINTO_SMTP_FROM").unwrap_or_else(|| "no-reply@localhost".into()),
        });
        options
            .config
            .apply_json(&serde_json::json!({"delivery": {"smtp": smtp}}))?;
    }
    if let Some(sid) = var("PLINTO_TWILIO_ACCOUNT_SID") {
        let twilio = serde_json::json!({
            "accountSid": sid,
            "authToken": var("PLINTO_TWILIO_AUTH_TOKEN").unwrap_or_default(),
            "from": var("PLINTO_TWILIO_FROM").unwrap_or_default(),
            "baseUrl": var("PLINTO_TWILIO_BASE_URL"),
        });
        options
            .config
            .apply_json(&serde_json::json!({"delivery": {"twilio": twilio}}))?;
    }
    if let Some(provider) = var("PLINTO_SMS_PROVIDER") {
        options
            .config
            .apply_json(&serde_json::json!({"methods": {"sms": {"provider": provider}}}))?;
    }
    if let Some(region) = var("PLINTO_SNS_REGION") {
        let sns = serde_json::json!({
            "region": region,
            "accessKeyId": var("PLINTO_SNS_ACCESS_KEY_ID").unwrap_or_default(),
            "secretAccessKey": var("PLINTO_SNS_SECRET_ACCESS_KEY").unwrap_or_default(),
            "sessionToken": var("PLINTO_SNS_SESSION_TOKEN"),
            "endpoint": var("PLINTO_SNS_ENDPOINT"),
        });
        options
            .config
            .apply_json(&serde_json::json!({"delivery": {"sns": sns}}))?;
    }
    if let Some(path) = var("PLINTO_FCM_SERVICE_ACCOUNT_FILE") {
        let field = "PLINTO_FCM_SERVICE_ACCOUNT_FILE";
        let text = std::fs::read_to_string(&path)
            .map_err(|e| MfaError::invalid(field, format!("cannot be read: {e}")))?;
        let account: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| MfaError::invalid(field, format!("is not JSON: {e}")))?;
        let fcm = serde_json::json!({
            "projectId": account["project_id"],
            "clientEmail": account["client_email"],
            "privateKey": account["private_key"],
            "tokenUri": account["token_uri"],
            "baseUrl": var("PLINTO_FCM_BASE_URL"),
        });
        options
            .config
            .apply_json(&serde_json::json!({"delivery": {"fcm": fcm}}))?;
    }
    if let Some(path) = var("PLINTO_APNS_KEY_FILE") {
        let key = std::fs::read_to_string(&path).map_err(|e| {
            MfaError::invalid("PLINTO_APNS_KEY_FILE", format!("cannot be read: {e}"))
        })?;
        let apns = serde_json::json!({
            "privateKey": key,
            "keyId": var("PLINTO_APNS_KEY_ID").unwrap_or_default(),
            "teamId": var("PLINTO_APNS_TEAM_ID").unwrap_or_default(),
            "topic": var("PLINTO_APNS_TOPIC").unwrap_or_default(),
            "baseUrl": var("PLINTO_APNS_BASE_URL"),
        });
        options
            .config
            .apply_json(&serde_json::json!({"delivery": {"apns": apns}}))?;
    }
    Ok(options)
}

/// Engine options from a JSON object, as the bindings open an engine: `database`,
/// `secretKey` (hex or base64), `issuer`, and any `configure()` options (`methods`,
/// `backupCodes`, `rateLimiting`, `security`, `sessions`, `password`, `delivery`). Missing
/// `database` / `secretKey` fall back to the environment (see [`options_from_env`]).
pub fn options_from_json(options: &serde_json::Value) -> Result<EngineOptions> {
    let empty = serde_json::Map::new();
    let map = match options {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => &empty,
        _ => return Err(MfaError::invalid("options", "must be an object")),
    };
    let text = |camel: &str, snake: &str| -> Result<Option<String>> {
        match map.get(camel).or_else(|| map.get(snake)) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(MfaError::invalid(camel, "must be a string")),
        }
    };
    let database = text("database", "database")?;
    let key = text("secretKey", "secret_key")?;
    let issuer = text("issuer", "issuer")?;
    let mut base = match (database, key) {
        (Some(db), Some(key)) => EngineOptions::new(db, SecretKey::parse(&key)?),
        (Some(db), None) => {
            let key = key_from_env(&db)?;
            EngineOptions::new(db, key)
        }
        (None, key) => {
            let mut o = options_from_env()?;
            if let Some(key) = key {
                o.secret_key = SecretKey::parse(&key)?;
            }
            o
        }
    };
    base.previous_keys = match map
        .get("previousSecretKeys")
        .or_else(|| map.get("previous_secret_keys"))
    {
        None | Some(serde_json::Value::Null) => base.previous_keys,
        Some(serde_json::Value::Array(keys)) => keys
            .iter()
            .map(|k| match k {
                serde_json::Value::String(s) => SecretKey::parse(s).map_err(|_| {
                    MfaError::invalid(
                        "previousSecretKeys",
                        "holds a key that is not 32 bytes in hex or base64",
                    )
                }),
                _ => Err(MfaError::invalid(
                    "previousSecretKeys",
                    "must be a list of keys",
                )),
            })
            .collect::<Result<_>>()?,
        Some(_) => {
            return Err(MfaError::invalid(
                "previousSecretKeys",
                "must be a list of keys",
            ))
        }
    };
    let mut rest = map.clone();
    for k in [
        "database",
        "secretKey",
        "secret_key",
        "issuer",
        "previousSecretKeys",
        "previous_secret_keys",
    ] {
        rest.remove(k);
    }
    if let Some(issuer) = issuer {
        base.config
            .apply_json(&serde_json::json!({"methods": {"totp": {"issuer": issuer}}}))?;
    }
    base.config.apply_json(&serde_json::Value::Object(rest))?;
    Ok(base)
}

/// Whether the environment says this is production (`PLINTO_ENV` or `NODE_ENV`).
pub fn is_production() -> bool {
    ["PLINTO_ENV", "NODE_ENV"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| v.trim().eq_ignore_ascii_case("production")))
}

/// The master key for `database`: `PLINTO_SECRET_KEY`, the file `PLINTO_SECRET_KEY_FILE`
/// names, or (outside production) the development key.
fn key_from_env(database: &str) -> Result<SecretKey> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(k) = var("PLINTO_SECRET_KEY") {
        return SecretKey::parse(&k);
    }
    if let Some(file) = var("PLINTO_SECRET_KEY_FILE") {
        return read_key(Path::new(&file))?.ok_or_else(|| {
            MfaError::invalid(
                "PLINTO_SECRET_KEY_FILE",
                format!("{file} does not exist or is empty"),
            )
        });
    }
    if crate::store::is_postgres_url(database) {
        // Servers sharing one database need one key, and there is no file to keep it beside.
        return Err(MfaError::invalid(
            "secretKey",
            "is required with a PostgreSQL database: give every server the same key in \
             PLINTO_SECRET_KEY (or PLINTO_SECRET_KEY_FILE)",
        ));
    }
    if is_production() && database != ":memory:" {
        return Err(MfaError::invalid(
            "secretKey",
            "is required in production: set PLINTO_SECRET_KEY (or PLINTO_SECRET_KEY_FILE) \
             instead of relying on a development key beside the database",
        ));
    }
    development_key(database)
}

/// Path of the development key file for a database.
pub fn key_file_path(database: &str) -> PathBuf {
    PathBuf::from(format!("{database}.key"))
}

/// Loads the development key beside `database`, creating it on first use.
/// For `:memory:` a fresh key is returned and nothing is written.
pub fn development_key(database: &str) -> Result<SecretKey> {
    if database == ":memory:" {
        return SecretKey::generate();
    }
    let path = key_file_path(database);
    let key = match read_key(&path)? {
        Some(k) => k,
        None => create_key(&path)?,
    };
    if !WARNED.swap(true, Ordering::SeqCst) {
        eprintln!(
            "plinto: PLINTO_SECRET_KEY is not set; using the development key in {}. \
             This is for development only: set PLINTO_SECRET_KEY in production.",
            path.display()
        );
    }
    Ok(key)
}

fn read_key(path: &Path) -> Result<Option<SecretKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => SecretKey::parse(&text).map(Some).map_err(|_| {
            MfaError::invalid(
                "secretKey",
                format!("the key file {} is malformed", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(MfaError::storage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn create_key(path: &Path) -> Result<SecretKey> {
    let key = SecretKey::generate()?;
    let tmp = path.with_extension(format!("key.tmp{}", std::process::id()));
    let io = |e: std::io::Error| MfaError::storage(format!("cannot write {}: {e}", path.display()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(format!("{}\n", key.to_hex()).as_bytes())
            .map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    // hard_link fails if the file exists: the first process to link wins, others read its key.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(path)?.ok_or_else(|| MfaError::storage(format!("{} is empty", path.display())))
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_key_is_created_once_with_mode_0600() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| MfaError::internal(e.to_string()))?;
        let db = dir.path().join("app.db").to_string_lossy().into_owned();
        let a = development_key(&db)?;
        let b = development_key(&db)?;
        assert_eq!(a.id(), b.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_file_path(&db))
                .map_err(|e| MfaError::internal(e.to_string()))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }
}
