//! The operation table: every operation of the engine declared once, with its request and
//! result types, flags and the engine call it runs.
//!
//! Everything else derives from [`OPERATIONS`]: the JSON dispatch the Node and Python
//! bindings call ([`dispatch`]), the typed call Swift and Kotlin use ([`Engine::call`]), and,
//! through `make generate`, every binding's methods, types and docs. An operation's
//! documentation is its request type's doc comment.
//!
//! Adding an operation: write its request and result types in [`crate::api`] (doc comments
//! on the type and every field), add one entry to the table below, run `make generate`.

pub(crate) mod args;
mod grouped;
mod later;
mod table;

pub use grouped::{dispatch_blocking, run_grouped};

pub use table::*;

use crate::engine::Engine;
use crate::error::{MfaError, Result};
use args::Shape;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One operation's contract: its request, its result and how it runs.
pub trait Operation: 'static {
    /// The canonical (snake_case) name, e.g. `sign_up`.
    const NAME: &'static str;
    /// The request: the operation's arguments.
    type Request: DeserializeOwned + JsonSchema;
    /// What it returns.
    type Response: Serialize + JsonSchema;
    /// Runs it. Operations flagged `stateless` ignore the engine (see [`run_stateless`]).
    fn run(engine: &Engine, request: Self::Request) -> Result<Self::Response>;
}

/// Where an operation lives in the guide's API: `plinto.auth.*`, `plinto.auth.mfa.*`, or the
/// authenticator side (no engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// `plinto.auth`.
    Auth,
    /// `plinto.auth.mfa`.
    Mfa,
    /// Top-level functions that need no database (`parseOtpauthUri`, `authenticatorCode`).
    Authenticator,
}

/// Properties of an operation the bindings act on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Needs no engine or database.
    pub stateless: bool,
    /// May send an SMS or email code through a sender.
    pub sends_code: bool,
    /// Takes a session token or pending-session handle.
    pub needs_session: bool,
    /// Cheap and without I/O: bindings may run it on the caller's thread.
    pub quick: bool,
    /// A few database statements in one transaction, no password hashing and no sending:
    /// [`dispatch_now`] runs it on the caller's thread when the database lets it finish
    /// without waiting.
    pub brief: bool,
}

/// Bindings that write an operation by hand, or leave it out on purpose: a documented
/// exclusion from the generated surfaces (the row's `note` says why).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Custom {
    /// Not generated in the Node package.
    pub node: bool,
    /// Not generated in the Python package.
    pub python: bool,
    /// Not generated in the Swift/Kotlin library.
    pub uniffi: bool,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// Canonical name, e.g. `enable_mfa`.
    pub name: &'static str,
    /// The Rust type implementing [`Operation`], e.g. `EnableMfa`.
    pub type_name: &'static str,
    /// Documentation, when it is not the request type's (operations sharing a request type).
    pub doc: Option<&'static str>,
    /// The guide's camelCase name, for operations the guide documents (`enableMFA`):
    /// Node's method name, and an alias in Python.
    pub guide_name: Option<&'static str>,
    /// Where it lives.
    pub namespace: Namespace,
    /// Flags.
    pub flags: Flags,
    /// Bindings that write it by hand or leave it out.
    pub custom: Custom,
    /// Why a binding writes it by hand or leaves it out.
    pub note: Option<&'static str>,
    /// Rust name of the request type.
    pub request_type: &'static str,
    /// Rust name of the result type (`Vec<…>` for lists, `bool`).
    pub response_type: &'static str,
    /// The request's JSON schema (deserialize contract).
    pub request_schema: fn(&mut SchemaGenerator) -> Schema,
    /// The result's JSON schema (serialize contract).
    pub response_schema: fn(&mut SchemaGenerator) -> Schema,
    run_json: fn(Option<&Engine>, &Value, &Shape) -> Result<Value>,
}

impl OperationInfo {
    /// The mechanical camelCase name (`enable_mfa` → `enableMfa`).
    pub fn camel_name(&self) -> String {
        args::camel(self.name)
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| MfaError::internal(format!("serialize: {e}")))
}

/// Runs `O` on JSON arguments.
fn run_json<O: Operation>(engine: Option<&Engine>, args: &Value, shape: &Shape) -> Result<Value> {
    let request: O::Request = args::parse(args, shape)?;
    match engine {
        Some(engine) => to_json(&O::run(engine, request)?),
        None => Err(MfaError::internal(format!("{} needs an engine", O::NAME))),
    }
}

/// Runs a stateless `O` on JSON arguments (the engine argument is never read).
fn run_json_stateless<O: Stateless>(
    _engine: Option<&Engine>,
    args: &Value,
    shape: &Shape,
) -> Result<Value> {
    let request: O::Request = args::parse(args, shape)?;
    to_json(&O::run_alone(request)?)
}

/// An operation that needs no engine.
pub trait Stateless: Operation {
    /// Runs it without an engine.
    fn run_alone(request: Self::Request) -> Result<Self::Response>;
}

/// The operation named `name` (canonical snake_case, or the mechanical camelCase twin).
pub fn find(name: &str) -> Option<&'static OperationInfo> {
    OPERATIONS
        .iter()
        .find(|o| o.name == name)
        .or_else(|| OPERATIONS.iter().find(|o| o.name == args::snake(name)))
}

/// The operation named `name` if it is `quick` (see [`Flags`]), so it may run on the caller's
/// thread whatever the durability; otherwise an `invalid_input` error naming `operation`.
pub fn quick(name: &str) -> Result<&'static OperationInfo> {
    let info = find(name).ok_or_else(|| unknown(name))?;
    if info.flags.quick {
        Ok(info)
    } else {
        Err(MfaError::invalid(
            "operation",
            format!("{} cannot run synchronously", info.name),
        ))
    }
}

fn unknown(op: &str) -> MfaError {
    let shown: String = op.chars().filter(|c| !c.is_control()).take(64).collect();
    MfaError::invalid("operation", format!("unknown operation {shown}"))
}

/// The argument shapes of every request, read once from the schemas.
fn shapes() -> &'static HashMap<&'static str, Shape> {
    static SHAPES: OnceLock<HashMap<&'static str, Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let mut generator = request_generator();
        let roots: Vec<(&'static str, Schema)> = OPERATIONS
            .iter()
            .map(|o| (o.name, (o.request_schema)(&mut generator)))
            .collect();
        let defs = generator.take_definitions(true);
        roots
            .into_iter()
            .map(|(name, schema)| (name, Shape::of(&schema, &defs)))
            .collect()
    })
}

/// The schema generator for requests (what callers may send).
pub fn request_generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
}

/// The schema generator for results (what the engine answers).
pub fn response_generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
}

fn run(engine: Option<&Engine>, op: &str, args: &Value) -> Result<Value> {
    let info = find(op).ok_or_else(|| unknown(op))?;
    if engine.is_none() && !info.flags.stateless {
        return Err(unknown(op));
    }
    let empty = Shape::Object(Default::default());
    let shape = shapes().get(info.name).unwrap_or(&empty);
    (info.run_json)(engine, args, shape)
}

/// Runs operation `op` with the arguments object `args` and returns its result as JSON: what
/// the Node and Python bindings call. Unknown arguments and mistyped values are
/// `invalid_input` errors naming the field as the caller spelled it.
pub fn dispatch(engine: &Engine, op: &str, args: &Value) -> Result<Value> {
    run(Some(engine), op, args)
}

/// Runs operation `op` as [`dispatch`] does, on the calling thread, if it can finish there
/// without waiting: an event loop's thread calls this first, and only for `None` hands the
/// operation to a thread that may wait. `None` when the operation is not `quick` or `brief`,
/// or when one of its transactions would wait (a lock another connection holds, durability
/// `full`, PostgreSQL, a notification to send); nothing was changed then. An error is
/// `Some(Err(_))`, as [`dispatch`] returns it.
pub fn dispatch_now(engine: &Engine, op: &str, args: &Value) -> Option<Result<Value>> {
    let info = find(op)?;
    if !(info.flags.quick || info.flags.brief) {
        return None;
    }
    crate::store::wait::without_waiting(|| dispatch(engine, op, args))
}

/// Whether [`dispatch_now`] may run `op` (so a binding parses the arguments only then).
pub fn may_run_now(op: &str) -> bool {
    find(op).is_some_and(|info| info.flags.quick || info.flags.brief)
}

/// Runs a stateless operation (the authenticator side) without an engine.
pub fn run_stateless(op: &str, args: &Value) -> Result<Value> {
    run(None, op, args)
}

/// The JSON form of an error, as bindings hand it to their host language:
/// `{code, status, message, reason, field?, retryAfter?, maxAge?, methods?}` (`status` is the
/// HTTP status of the code, for servers to answer with; `reason` is the message without the
/// field, so a binding can name the field its own way; `maxAge` and `methods` come with
/// `mfa_step_up_required`).
pub fn error_json(e: &MfaError) -> Value {
    let mut v = Map::new();
    v.insert("code".into(), Value::from(e.code().as_str()));
    v.insert("status".into(), Value::from(e.code().http_status()));
    v.insert("message".into(), Value::from(e.to_string()));
    v.insert("reason".into(), Value::from(e.reason()));
    if let Some(f) = e.field() {
        v.insert("field".into(), Value::from(f));
    }
    if let Some(r) = e.retry_after() {
        v.insert("retryAfter".into(), Value::from(r));
    }
    if let Some((max_age, methods)) = e.step_up() {
        v.insert("maxAge".into(), Value::from(max_age));
        v.insert("methods".into(), Value::from(methods.to_vec()));
    }
    Value::Object(v)
}

impl Engine {
    /// Runs operation `O` with a typed request (the Swift and Kotlin surface).
    pub fn call<O: Operation>(&self, request: O::Request) -> Result<O::Response> {
        O::run(self, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::options_from_json;
    use serde_json::json;

    fn engine() -> Result<Engine> {
        Engine::open(options_from_json(&json!({
            "database": ":memory:",
            "secretKey": "00".repeat(32),
            "issuer": "Acme",
            "password": {"memoryKib": 64, "iterations": 1}
        }))?)
    }

    fn field_and_reason(r: Result<Value>) -> Option<(String, String)> {
        match r.err()? {
            MfaError::InvalidInput { field, reason } => Some((field, reason)),
            _ => None,
        }
    }

    #[test]
    fn camel_and_snake_keys_and_typed_errors() -> Result<()> {
        let e = engine()?;
        let up = dispatch(
            &e,
            "sign_up",
            &json!({"email": "a@example.com", "password": "Password123!"}),
        )?;
        let uid = up["user"]["id"].as_str().unwrap_or_default().to_string();
        let status = dispatch(&e, "get_mfa_status", &json!({ "user_id": uid }))?;
        assert_eq!(status["backupCodesRemaining"], json!(0));
        let wrong = field_and_reason(dispatch(&e, "get_mfa_status", &json!({ "userId": 42 })));
        assert_eq!(wrong, Some(("userId".into(), "must be a string".into())));
        let as_spelled =
            field_and_reason(dispatch(&e, "get_mfa_status", &json!({ "user_id": 42 })));
        assert_eq!(
            as_spelled,
            Some(("user_id".into(), "must be a string".into()))
        );
        let missing = field_and_reason(dispatch(&e, "get_mfa_status", &json!({})));
        assert_eq!(missing, Some(("userId".into(), "is required".into())));
        let list = field_and_reason(dispatch(
            &e,
            "enable_mfa",
            &json!({"user_id": uid, "method": ["totp"]}),
        ));
        assert_eq!(list.map(|f| f.0), Some("method".into()));
        let negative = field_and_reason(dispatch(
            &e,
            "list_audit_events",
            &json!({"userId": uid, "limit": -1}),
        ));
        assert_eq!(negative.map(|f| f.0), Some("limit".into()));
        let flag = field_and_reason(dispatch(
            &e,
            "configure",
            &json!({"sessions": {"revokeOtherSessions": "yes"}}),
        ));
        assert_eq!(
            flag,
            Some((
                "sessions.revokeOtherSessions".into(),
                "must be true or false".into()
            ))
        );
        let context = field_and_reason(dispatch(
            &e,
            "sign_in",
            &json!({"email": "a@example.com", "password": "x", "ipAddress": 7}),
        ));
        assert_eq!(context.map(|f| f.0), Some("ipAddress".into()));
        assert_eq!(
            dispatch(
                &e,
                "should_require_mfa",
                &json!({"level": "admin_only", "role": "admin"})
            )?,
            json!(true)
        );
        let ej = error_json(&MfaError::RateLimited { retry_after: 7 });
        assert_eq!(ej["retryAfter"], json!(7));
        assert_eq!(ej["code"], json!("mfa_rate_limited"));
        assert_eq!(ej["status"], json!(429));
        let ej = error_json(&MfaError::StepUpRequired {
            max_age: 600,
            methods: vec!["totp".into(), "backup".into()],
        });
        assert_eq!(ej["maxAge"], json!(600));
        assert_eq!(ej["methods"], json!(["totp", "backup"]));
        let ej = error_json(&MfaError::invalid("userId", "is required"));
        assert_eq!(ej["reason"], json!("is required"));
        assert_eq!(ej["message"], json!("Invalid userId: is required"));
        Ok(())
    }

    #[test]
    fn unknown_arguments_are_errors_with_a_suggestion() -> Result<()> {
        let e = engine()?;
        let up = dispatch(
            &e,
            "sign_up",
            &json!({"email": "b@example.com", "password": "Password123!"}),
        )?;
        let uid = up["user"]["id"].clone();
        let typo = field_and_reason(dispatch(
            &e,
            "enable_mfa",
            &json!({"userId": uid, "method": "totp", "deviceNmae": "Phone"}),
        ));
        assert_eq!(
            typo,
            Some((
                "deviceNmae".into(),
                "is not a known argument; did you mean deviceName?".into()
            ))
        );
        let far = field_and_reason(dispatch(
            &e,
            "enable_mfa",
            &json!({"userId": uid, "method": "totp", "colour": "red"}),
        ));
        assert_eq!(
            far,
            Some(("colour".into(), "is not a known argument".into()))
        );
        let twice = field_and_reason(dispatch(
            &e,
            "get_user",
            &json!({"userId": uid, "user_id": uid}),
        ));
        assert_eq!(twice.map(|f| f.0), Some("user_id".into()));
        // Nothing was enrolled by the refused calls.
        let status = dispatch(&e, "get_mfa_status", &json!({ "userId": uid }))?;
        assert_eq!(status["totpDevices"], json!([]));
        let device = dispatch(
            &e,
            "enable_mfa",
            &json!({"userId": uid, "method": "totp", "device_name": "Phone"}),
        )?;
        assert_eq!(device["method"], json!("totp"));
        Ok(())
    }

    #[test]
    fn authenticator_operations_need_no_engine() -> Result<()> {
        let uri = "otpauth://totp/Acme:a%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&digits=8";
        let account = run_stateless("parse_otpauth_uri", &json!({ "uri": uri }))?;
        assert_eq!(account["issuer"], json!("Acme"));
        assert_eq!(account["accountName"], json!("a@example.com"));
        assert_eq!(account["algorithm"], json!("SHA1"));
        assert_eq!(account["digits"], json!(8));
        let code = run_stateless("authenticator_code", &json!({ "uri": uri, "time": 59 }))?;
        assert_eq!(
            code,
            json!({"code": "94287082", "secondsRemaining": 1, "period": 30})
        );
        let bad = field_and_reason(run_stateless(
            "parse_otpauth_uri",
            &json!({ "uri": "otpauth://hotp/x?secret=A" }),
        ));
        assert_eq!(bad.map(|f| f.0), Some("uri".into()));
        let time = field_and_reason(run_stateless(
            "authenticator_code",
            &json!({ "uri": uri, "time": "x" }),
        ));
        assert_eq!(time.map(|f| f.0), Some("time".into()));
        let needs_engine = field_and_reason(run_stateless("sign_up", &json!({})));
        assert_eq!(needs_engine.map(|f| f.0), Some("operation".into()));
        let e = engine()?;
        assert_eq!(
            dispatch(&e, "authenticator_code", &json!({ "uri": uri, "time": 59 }))?["code"],
            json!("94287082")
        );
        Ok(())
    }

    #[test]
    fn every_operation_is_dispatched_and_named_once() -> Result<()> {
        let e = engine()?;
        let mut names = std::collections::HashSet::new();
        for op in OPERATIONS {
            assert!(names.insert(op.name), "{} twice", op.name);
            let err = dispatch(&e, op.name, &json!({})).err();
            assert_ne!(
                err.as_ref().and_then(MfaError::field),
                Some("operation"),
                "{} is listed but not dispatched",
                op.name
            );
            assert!(shapes().contains_key(op.name));
        }
        assert!(find("enableMfa").is_some());
        assert_eq!(
            dispatch(&e, "nope", &json!({}))
                .err()
                .as_ref()
                .and_then(MfaError::field),
            Some("operation")
        );
        Ok(())
    }
}
