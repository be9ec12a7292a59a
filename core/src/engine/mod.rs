//! The engine: the synchronous public API every binding wraps.
//!
//! Invariants: an [`Engine`] is `Send + Sync` and cheap to share; no method panics; every
//! method that touches SQLite or argon2 blocks, so bindings call them off their event loop.

mod account;
mod admin;
mod audit_log;
mod auth;
mod channels;
mod held;
mod import;
mod mfa;
#[cfg(not(feature = "webauthn"))]
mod no_webauthn;
mod notices;
mod push;
mod rollout;
mod sessions;
mod step_up;
#[cfg(feature = "webauthn")]
mod webauthn;

pub(crate) use notices::Notices;
pub use step_up::Proof;

use crate::api::{AuditEvent, ConfigureResult, Method, RequestContext, User};
use crate::audit::AuditAction;
use crate::clock::{iso8601, Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{self, Sealed, SecretKey};
use crate::delivery::CodeSender;
use crate::error::{MfaError, Result};
use crate::notify::Notifier;
use crate::password::{self, PasswordParams};
use crate::password_rules::PasswordScreen;
use crate::store::{AttemptPolicy, AuditChain, AuditRow, Backend, Store, Tx, UserRow};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use zeroize::Zeroizing;

/// Client-supplied text (IP address, user agent) as it is kept and shown: without control
/// characters, at most 256 characters.
fn clip(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.chars().filter(|c| !c.is_control()).take(256).collect())
}

/// A failure's reason as an audit detail: without control characters, at most 200 characters.
fn failure_detail(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// An audit row as the API shows it.
fn audit_event(r: AuditRow) -> AuditEvent {
    AuditEvent {
        id: r.id,
        user_id: r.user_id,
        action: r.action,
        method: r.method,
        success: r.success,
        ip_address: r.ip,
        user_agent: r.user_agent,
        detail: r.detail,
        created_at: iso8601(r.created_at),
        chain: r.chain.as_deref().map(crypto::hex),
    }
}

/// How to open an engine.
#[derive(Clone)]
pub struct EngineOptions {
    /// SQLite file path, or `:memory:` for a private in-memory database.
    pub database: String,
    /// The master key that seals secrets at rest.
    pub secret_key: SecretKey,
    /// Earlier master keys, used only to open values they sealed (during a rotation).
    pub previous_keys: Vec<SecretKey>,
    /// Settings (see [`Config::apply_json`] for the options form).
    pub config: Config,
    /// Time source (default: the system clock).
    pub clock: Option<Arc<dyn Clock>>,
}

impl EngineOptions {
    /// Options with default settings.
    pub fn new(database: impl Into<String>, secret_key: SecretKey) -> Self {
        Self {
            database: database.into(),
            secret_key,
            previous_keys: Vec::new(),
            config: Config::default(),
            clock: None,
        }
    }
}

/// The MFA engine over one database.
pub struct Engine {
    store: Store,
    chain: Arc<AuditChain>,
    keys: RwLock<crypto::Keyring>,
    hash_key: Zeroizing<Vec<u8>>,
    config: RwLock<Arc<Config>>,
    clock: Arc<dyn Clock>,
    dummy_hashes: Mutex<HashMap<PasswordParams, String>>,
    senders: RwLock<HashMap<String, Arc<dyn CodeSender>>>,
    notifier: RwLock<Option<Arc<dyn Notifier>>>,
    password_screen: RwLock<Option<Arc<dyn PasswordScreen>>>,
    /// The built-in push senders and the settings they were made from.
    push_senders: Mutex<Option<PushSenderCache>>,
    /// The push signing key, once read (see `push.rs`).
    push_key: RwLock<Option<Arc<crate::push::KeyPair>>>,
}

const HASH_KEY_META: &str = "hash_key";

/// The FCM and APNs settings, and the senders made from them.
type PushSenderCache = (
    (
        Option<crate::config::FcmConfig>,
        Option<crate::config::ApnsConfig>,
    ),
    Option<Arc<dyn CodeSender>>,
);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the database (creating and migrating it as needed) and checks the key against it.
    pub fn open(options: EngineOptions) -> Result<Self> {
        let backend = crate::store::open_backend(&options.database, &options.config.storage)?;
        Self::with_backend(backend, options)
    }

    /// Opens an engine on any storage [`Backend`].
    pub fn with_backend(backend: Box<dyn Backend>, mut options: EngineOptions) -> Result<Self> {
        // Settings built in Rust are held to the same rules as configure()'s.
        options.config.check()?;
        let store = Store::new(backend);
        store.apply(&options.config.storage);
        let keys = crypto::Keyring {
            current: options.secret_key,
            previous: options.previous_keys,
        };
        let aad = format!("meta:{HASH_KEY_META}");
        let fresh = Zeroizing::new(crypto::random_bytes(32)?);
        let init = crypto::seal(&keys.current, &aad, &fresh)?;
        let stored = store.write(|tx| tx.meta_get_or_init(HASH_KEY_META, &init))?;
        let hash_key = keys.open(&aad, &stored)?;
        let chain = Arc::new(AuditChain::new(&hash_key));
        store.set_audit_chain(Arc::clone(&chain));
        // The migration left the checkpoint; its first link is filled in once. A read first,
        // so a database opened read-only (its chain started) opens.
        let unstarted = store.read(|tx| tx.audit_checkpoint())?;
        if unstarted.is_some_and(|cp| cp.mac.is_empty()) {
            store.write(|tx| tx.start_audit_chain(&chain))?;
        }
        Ok(Self {
            chain,
            store,
            keys: RwLock::new(keys),
            hash_key,
            config: RwLock::new(Arc::new(options.config)),
            clock: options.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            dummy_hashes: Mutex::new(HashMap::new()),
            senders: RwLock::new(HashMap::new()),
            notifier: RwLock::new(None),
            password_screen: RwLock::new(None),
            push_key: RwLock::new(None),
            push_senders: Mutex::new(None),
        })
    }

    /// The current settings: a shared snapshot, cheap to take, that later `configure` calls
    /// do not change.
    pub fn config(&self) -> Arc<Config> {
        match self.config.read() {
            Ok(c) => Arc::clone(&c),
            Err(e) => Arc::clone(&e.into_inner()),
        }
    }

    /// Applies options in the guide's `configure()` shape; all or nothing, one call at a time.
    pub fn configure(&self, options: &serde_json::Value) -> Result<ConfigureResult> {
        let mut current = self
            .config
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = Config::clone(&current);
        next.apply_json(options)?;
        self.store.apply(&next.storage);
        *current = Arc::new(next);
        Ok(ConfigureResult {
            success: true,
            applied_at: iso8601(self.now()),
        })
    }

    /// Re-encrypts every secret at rest to `new` in one transaction, then seals with `new` and
    /// keeps the others for opening. `old` is the key this engine seals with, or (a rolling
    /// rotation: every server already seals with `new` and opens with `old`) one of its
    /// previous keys. Returns how many values were looked at.
    pub fn rotate_key(&self, old: &SecretKey, new: &SecretKey) -> Result<usize> {
        let ring = self.keyring();
        let known = |k: &SecretKey| {
            std::iter::once(&ring.current)
                .chain(&ring.previous)
                .any(|r| r.id() == k.id())
        };
        // `old` is a key this engine holds (the one it seals with, or one it opens with);
        // `new` is either the one it seals with already (a rolling rotation) or takes over.
        if !known(old) || (ring.current.id() != old.id() && ring.current.id() != new.id()) {
            return Err(MfaError::KeyMismatch);
        }
        let opening = crypto::Keyring {
            current: old.clone(),
            previous: std::iter::once(ring.current.clone())
                .chain(ring.previous.iter().cloned())
                .collect(),
        };
        // No key lock is held across the transaction: an operation that has written and
        // then asks for the key would wait for a rotation that waits for it.
        let n = self.store.write(|tx| {
            tx.reseal_all(&mut |aad, sealed| {
                if sealed.key_id == new.id() {
                    // Already under the new key (sealed by a process that had it).
                    return Ok(sealed.clone());
                }
                let plain = opening.open(aad, sealed)?;
                crypto::seal(new, aad, &plain)
            })
        })?;
        let mut keys = self
            .keys
            .write()
            .map_err(|_| MfaError::internal("key lock poisoned"))?;
        // An engine that sealed with `old` now seals with `new` (and cannot rotate from
        // `old` again); one that already sealed with `new` keeps its keys as they are.
        if keys.current.id() == old.id() {
            keys.current = new.clone();
            keys.previous.retain(|k| k.id() != new.id());
        }
        Ok(n)
    }

    /// Audit events of a user, newest first. `since` is Unix seconds; `limit` defaults to 100.
    pub fn list_audit_events(
        &self,
        user_id: &str,
        since: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEvent>> {
        let limit = limit.unwrap_or(100);
        if limit == 0 || limit > 1000 {
            return Err(MfaError::invalid("limit", "must be between 1 and 1000"));
        }
        let rows = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.list_audit(&user.id, since.unwrap_or(0), limit)
        })?;
        Ok(rows.into_iter().map(audit_event).collect())
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn keyring(&self) -> crypto::Keyring {
        self.keys
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn sealing_key(&self) -> SecretKey {
        self.keyring().current
    }

    /// Opens a value sealed with the current key or one of the previous keys.
    fn open_sealed(&self, aad: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>> {
        self.keyring().open(aad, sealed)
    }

    fn attempt_policy(&self) -> AttemptPolicy {
        let rl = self.config().rate_limiting;
        AttemptPolicy {
            max_attempts: rl.max_attempts,
            window_secs: i64::from(rl.window_minutes) * 60,
            lockout_secs: i64::from(rl.lockout_minutes) * 60,
        }
    }

    /// The pseudonym a deleted user's audit events are kept under: stable for one user, and
    /// not linkable to the id without the engine's hash key.
    fn pseudonym(&self, user_id: &str) -> String {
        self.chain.pseudonym(user_id)
    }

    fn user_row(&self, tx: &mut dyn Tx, user_id: &str) -> Result<UserRow> {
        let id = crate::validate::token("userId", user_id)?;
        tx.user_by_id(id)?
            .ok_or_else(|| MfaError::not_found("User"))
    }

    /// Appends an audit event in `tx`.
    #[allow(clippy::too_many_arguments)]
    fn audit(
        &self,
        tx: &mut dyn Tx,
        user_id: Option<&str>,
        action: AuditAction,
        method: Option<Method>,
        success: bool,
        ctx: &RequestContext,
        detail: Option<&str>,
    ) -> Result<()> {
        tx.insert_audit(&self.audit_row(user_id, action, method, success, ctx, detail))
    }

    /// An audit event as [`Engine::audit`] writes it (client fields without control
    /// characters, at most 256 characters).
    fn audit_row(
        &self,
        user_id: Option<&str>,
        action: AuditAction,
        method: Option<Method>,
        success: bool,
        ctx: &RequestContext,
        detail: Option<&str>,
    ) -> AuditRow {
        AuditRow {
            id: 0,
            user_id: user_id.map(str::to_string),
            action: action.as_str().to_string(),
            method: method.map(|m| m.as_str().to_string()),
            success,
            ip: clip(&ctx.ip_address),
            user_agent: clip(&ctx.user_agent),
            detail: detail.map(str::to_string),
            created_at: self.now(),
            chain: None,
        }
    }

    /// The public view of a user row, with their active methods.
    fn user_view(&self, tx: &mut dyn Tx, row: &UserRow) -> Result<User> {
        let methods = self.active_methods(tx, &row.id)?;
        Ok(User {
            id: row.id.clone(),
            email: row.email.clone(),
            role: row.role.clone(),
            created_at: iso8601(row.created_at),
            mfa_enabled: methods.iter().any(|m| m != "backup"),
            mfa_methods: methods,
        })
    }

    /// The password hash to check when the email is unknown: a stable pick among the stored
    /// hashes (`sample`), so an unknown email costs exactly what a known account of that
    /// format and cost costs; without users, one made with the current parameters.
    fn dummy_hash(&self, sample: Option<&str>) -> Result<String> {
        if let Some(h) = sample {
            return Ok(h.to_string());
        }
        let params = self.config().password;
        let mut cache = self
            .dummy_hashes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(h) = cache.get(&params) {
            return Ok(h.clone());
        }
        let h = password::hash(params, "plinto-dummy-password")?;
        if cache.len() < 16 {
            cache.insert(params, h.clone());
        }
        Ok(h)
    }
}
