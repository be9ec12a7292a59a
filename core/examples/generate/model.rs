//! The operation table and its JSON schemas read into a small model the writers share.

use plinto_mfa_core::ops::{self, Namespace, OperationInfo};
use serde_json::{Map, Value};

/// A value's type, as every target language needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Num,
    Bool,
    /// Opaque JSON passed through (WebAuthn options and credentials).
    Json,
    /// Unix seconds or RFC 3339 (bindings also take their date type).
    Time,
    List(Box<Ty>),
    /// A string with a closed set of values.
    Literals(Vec<String>),
    /// A named definition.
    Named(String),
}

/// One field of a request or result.
#[derive(Debug, Clone)]
pub struct Field {
    /// camelCase wire name.
    pub name: String,
    pub ty: Ty,
    /// May be absent (requests: not required; results: may be null).
    pub optional: bool,
    pub doc: String,
    /// Python: positional even though optional.
    pub positional: bool,
    /// Node: the operation may be called with this field's value alone.
    pub bare: bool,
    /// Present exactly when the discriminant (`success`, `valid`) is true / false.
    pub when: Option<(String, bool)>,
    /// This boolean field splits the type into two shapes (see `when`).
    pub discriminant: bool,
    /// Accepted by the engine but not part of the public surface.
    pub internal: bool,
    /// Holds a secret (token, code, shared secret): bindings keep it out of `repr`.
    pub secret: bool,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    pub doc: String,
    pub fields: Vec<Field>,
    /// For string enums: the values (then `fields` is empty).
    pub literals: Option<Vec<String>>,
}

impl Def {
    /// The discriminant field, when the type has two shapes.
    pub fn discriminant(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.discriminant)
    }
}

/// One operation, ready to write.
pub struct Op {
    pub info: &'static OperationInfo,
    pub doc: String,
    /// The request's fields (public ones).
    pub args: Vec<Field>,
    pub result: Ty,
}

impl Op {
    /// The method name in Node and in the guide (`enableMFA`, `signUp`).
    pub fn js_name(&self) -> String {
        self.info
            .guide_name
            .map_or_else(|| self.info.camel_name(), str::to_string)
    }

    /// The field an operation may be called with alone (`signOut(token)`).
    pub fn bare(&self) -> Option<&Field> {
        self.args.iter().find(|f| f.bare)
    }

    pub fn namespace(&self) -> Namespace {
        self.info.namespace
    }
}

/// The whole model.
pub struct Model {
    pub ops: Vec<Op>,
    /// Result types (and what they contain), in first-use order.
    pub results: Vec<Def>,
    /// Request types, in table order.
    pub requests: Vec<Def>,
}

fn doc_of(v: &Value) -> String {
    v.get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The type of a schema, and whether it allows null.
fn ty_of(v: &Value) -> (Ty, bool) {
    if v.as_bool() == Some(true) || v.as_object().is_some_and(Map::is_empty) {
        return (Ty::Json, false);
    }
    if flag(v, "x-time") {
        return (Ty::Time, false);
    }
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return (
            Ty::Named(r.rsplit('/').next().unwrap_or(r).to_string()),
            false,
        );
    }
    if let Some(alts) = v
        .get("anyOf")
        .or_else(|| v.get("oneOf"))
        .and_then(Value::as_array)
    {
        let null = alts
            .iter()
            .any(|a| a.get("type") == Some(&Value::from("null")));
        let real: Vec<&Value> = alts
            .iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .collect();
        return match real.as_slice() {
            [one] => (ty_of(one).0, null),
            _ => (Ty::Json, null),
        };
    }
    if let Some(lits) = literals_of(v) {
        return (Ty::Literals(lits), false);
    }
    let (kind, null) = match v.get("type") {
        Some(Value::String(t)) => (t.as_str(), false),
        Some(Value::Array(ts)) => (
            ts.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            ts.iter().any(|t| t == "null"),
        ),
        _ => ("any", false),
    };
    let ty = match kind {
        "string" => Ty::Str,
        "integer" => Ty::Int,
        "number" => Ty::Num,
        "boolean" => Ty::Bool,
        "array" => Ty::List(Box::new(v.get("items").map_or(Ty::Json, |i| ty_of(i).0))),
        _ => Ty::Json,
    };
    (ty, null)
}

fn fields_of(v: &Value) -> Vec<Field> {
    let required: Vec<&str> = v
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = v.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(_, p)| !flag(p, "x-internal"))
        .map(|(name, p)| {
            let (ty, null) = ty_of(p);
            let when = p
                .get("x-when")
                .and_then(Value::as_str)
                .map(|w| match w.strip_prefix('!') {
                    Some(d) => (d.to_string(), false),
                    None => (w.to_string(), true),
                });
            Field {
                name: name.clone(),
                ty,
                optional: null || !required.contains(&name.as_str()),
                doc: doc_of(p),
                positional: flag(p, "x-positional"),
                bare: flag(p, "x-bare"),
                when,
                discriminant: flag(p, "x-discriminant"),
                internal: flag(p, "x-internal"),
                secret: flag(p, "x-secret"),
            }
        })
        .collect()
}

/// The values of a string enum: `enum: [...]`, or `oneOf` of documented `const`s.
fn literals_of(v: &Value) -> Option<Vec<String>> {
    if let Some(e) = v.get("enum").and_then(Value::as_array) {
        return Some(
            e.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        );
    }
    let alts = v.get("oneOf").and_then(Value::as_array)?;
    alts.iter()
        .map(|a| a.get("const").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Named types used by `def`'s fields.
fn uses(def: &Def) -> Vec<String> {
    fn named(ty: &Ty) -> Option<&str> {
        match ty {
            Ty::Named(n) => Some(n),
            Ty::List(inner) => named(inner),
            _ => None,
        }
    }
    def.fields
        .iter()
        .filter_map(|f| named(&f.ty))
        .map(str::to_string)
        .collect()
}

/// `defs` with every type after the types it uses (Python needs them defined first).
fn ordered(mut defs: Vec<Def>) -> Vec<Def> {
    let mut out: Vec<Def> = Vec::with_capacity(defs.len());
    while !defs.is_empty() {
        let ready = defs
            .iter()
            .position(|d| {
                uses(d).iter().all(|u| {
                    u == &d.name
                        || out.iter().any(|o| &o.name == u)
                        || !defs.iter().any(|x| &x.name == u)
                })
            })
            .unwrap_or(0);
        out.push(defs.remove(ready));
    }
    out
}

fn defs_of(defs: &Map<String, Value>) -> Vec<Def> {
    let list = defs
        .iter()
        .map(|(name, v)| {
            let literals = literals_of(v);
            Def {
                name: name.clone(),
                doc: doc_of(v),
                fields: fields_of(v),
                literals,
            }
        })
        .collect();
    ordered(list)
}

/// Reads the table and its schemas.
pub fn load() -> Model {
    let mut req_gen = ops::request_generator();
    let mut res_gen = ops::response_generator();
    let mut roots = Vec::new();
    for info in ops::OPERATIONS {
        let req = (info.request_schema)(&mut req_gen).to_value();
        let res = (info.response_schema)(&mut res_gen).to_value();
        roots.push((info, req, res));
    }
    // What the application's hooks receive is part of the surface too.
    let _ = res_gen.subschema_for::<plinto_mfa_core::delivery::DeliveryMeta>();
    let _ = res_gen.subschema_for::<plinto_mfa_core::notify::Notification>();
    let req_defs = req_gen.take_definitions(true);
    let res_defs = res_gen.take_definitions(true);
    let mut ops_out = Vec::new();
    for (info, req, res) in roots {
        let req_def = req
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| req_defs.get(r.rsplit('/').next().unwrap_or(r)))
            .cloned()
            .unwrap_or(req);
        let doc = info.doc.map_or_else(|| doc_of(&req_def), str::to_string);
        let args = fields_of(&req_def)
            .into_iter()
            .filter(|f| !f.internal)
            .collect();
        ops_out.push(Op {
            info,
            doc,
            args,
            result: ty_of(&res).0,
        });
    }
    let mut model = Model {
        ops: ops_out,
        results: defs_of(&res_defs),
        requests: defs_of(&req_defs),
    };
    inline_literals(&mut model);
    model
}

/// References to string enums (`TotpAlgorithm`) become their values, so every language can
/// spell them without a named type.
fn inline_literals(model: &mut Model) {
    let enums: Vec<(String, Vec<String>)> = model
        .results
        .iter()
        .chain(&model.requests)
        .filter_map(|d| d.literals.clone().map(|l| (d.name.clone(), l)))
        .collect();
    fn fix(ty: &mut Ty, enums: &[(String, Vec<String>)]) {
        match ty {
            Ty::Named(n) => {
                if let Some((_, l)) = enums.iter().find(|(e, _)| e == n) {
                    *ty = Ty::Literals(l.clone());
                }
            }
            Ty::List(inner) => fix(inner, enums),
            _ => {}
        }
    }
    for def in model.results.iter_mut().chain(model.requests.iter_mut()) {
        for f in &mut def.fields {
            fix(&mut f.ty, &enums);
        }
    }
    for op in &mut model.ops {
        fix(&mut op.result, &enums);
        for f in &mut op.args {
            fix(&mut f.ty, &enums);
        }
    }
    model.results.retain(|d| d.literals.is_none());
    model.requests.retain(|d| d.literals.is_none());
}

/// `enable_mfa` → `EnableMfa`.
pub fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// `userId` → `user_id`.
pub fn snake(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A doc string as comment lines with `prefix` (e.g. ` * ` or `/// `), wrapped as written.
pub fn doc_lines(doc: &str, prefix: &str) -> String {
    doc.lines()
        .map(|l| format!("{prefix}{l}").trim_end().to_string() + "\n")
        .collect()
}

/// `doc` with every backticked identifier passed through `rename` (so docs written with the
/// wire's camelCase and the table's snake_case names read in each language's spelling).
pub fn rename_idents(doc: &str, rename: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut parts = doc.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        let inside = i % 2 == 0;
        let ident = !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match (inside && ident).then(|| rename(part)).flatten() {
            Some(new) => out.push_str(&new),
            None => out.push_str(part),
        }
    }
    out
}
