//! # plinto-mfa-core
//!
//! The native engine of Plinto MFA: users and primary sign-in, sessions, TOTP with replay
//! protection, backup codes, attempt limiting and an audit log, on an embedded SQLite store
//! with secrets sealed at rest. Node, Python, Swift and Kotlin bindings wrap [`Engine`].
//!
//! The API is synchronous and never panics; calls that hash passwords or write to SQLite block,
//! so bindings run them off their event loops.
// No `unsafe` of our own: the workspace denies it; only the scaffolding uniffi derives for
// Swift and Kotlin (feature `uniffi`) carries it.
#![cfg_attr(not(feature = "uniffi"), forbid(unsafe_code))]

pub mod api;
pub mod audit;
pub mod authenticator;
pub(crate) mod backup_codes;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
mod engine;
pub mod env;
pub mod error;
pub mod import;
pub mod notify;
pub mod ops;
pub mod password;
pub mod password_rules;
pub(crate) mod policy;
pub mod push;
pub mod qr;
pub mod rollout;
pub mod store;
pub mod totp;
pub(crate) mod validate;

pub use api::*;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use crypto::SecretKey;
pub use engine::{Engine, EngineOptions, Proof};
pub use error::{ErrorCode, MfaError, Result};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("plinto_mfa_core");
