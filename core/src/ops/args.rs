//! Arguments at the boundary: the caller's JSON object checked against the request type's
//! schema before it is deserialized.
//!
//! Keys are the camelCase names of the schema or their snake_case twins; a key the request
//! does not declare is an `invalid_input` error naming it (with the closest declared name as a
//! suggestion), so a misspelled optional argument can never be silently ignored. Type errors
//! name the field as the caller spelled it and the type it must have.

use crate::error::{MfaError, Result};
use schemars::Schema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a value must look like, read from a JSON schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// An object with declared properties (others are refused).
    Object(BTreeMap<String, Shape>),
    /// A list of values of one shape.
    List(Box<Shape>),
    /// A scalar of a JSON type (`string`, `integer`, `number`, `boolean`), or any value.
    Scalar(Option<String>),
}

impl Shape {
    /// The shape of `schema`, resolving `$ref`s into `defs`.
    pub(crate) fn of(schema: &Schema, defs: &Map<String, Value>) -> Self {
        Self::from_value(schema.as_value(), defs, 0)
    }

    fn from_value(v: &Value, defs: &Map<String, Value>, depth: u32) -> Self {
        let Some(obj) = v.as_object().filter(|_| depth < 16) else {
            return Self::Scalar(None);
        };
        if let Some(Value::String(r)) = obj.get("$ref") {
            let name = r.rsplit('/').next().unwrap_or_default();
            return match defs.get(name) {
                Some(def) => Self::from_value(def, defs, depth + 1),
                None => Self::Scalar(None),
            };
        }
        // `Option<T>` is `anyOf: [T, null]` (or `type: [T, "null"]`): the non-null part.
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = obj.get(key) {
                let real: Vec<&Value> = alts
                    .iter()
                    .filter(|a| a.get("type") != Some(&Value::String("null".into())))
                    .collect();
                if let [one] = real.as_slice() {
                    return Self::from_value(one, defs, depth + 1);
                }
                return Self::Scalar(None);
            }
        }
        let kind = match obj.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_string),
            _ => None,
        };
        match kind.as_deref() {
            Some("object") => match obj.get("properties") {
                Some(Value::Object(props)) => Self::Object(
                    props
                        .iter()
                        .map(|(k, p)| (k.clone(), Self::from_value(p, defs, depth + 1)))
                        .collect(),
                ),
                _ => Self::Scalar(None),
            },
            Some("array") => Self::List(Box::new(
                obj.get("items")
                    .map(|i| Self::from_value(i, defs, depth + 1))
                    .unwrap_or(Self::Scalar(None)),
            )),
            other => Self::Scalar(other.map(str::to_string)),
        }
    }

    /// What a value of this shape must be, for an error message.
    fn expected(&self) -> &'static str {
        match self {
            Self::Object(_) => "must be an object",
            Self::List(_) => "must be a list",
            Self::Scalar(Some(t)) => match t.as_str() {
                "string" => "must be a string",
                "integer" => "must be an integer",
                "number" => "must be a number",
                "boolean" => "must be true or false",
                _ => "has the wrong type",
            },
            Self::Scalar(None) => "has the wrong type",
        }
    }
}

/// `user_id` → `userId`.
pub(crate) fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `userId` → `user_id`.
pub(crate) fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
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

/// Edit distance, for suggestions (inputs are short names).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The declared name closest to `given`, if it is close enough to be a likely typo.
fn suggestion<'a>(given: &str, names: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let given = camel(given).to_ascii_lowercase();
    names
        .map(|n| (distance(&given, &n.to_ascii_lowercase()), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// A caller's arguments with every key in the schema's spelling, and how the caller spelled
/// the keys that were renamed (so errors name fields as the caller wrote them).
struct Normalized {
    value: Value,
    spelled: BTreeMap<String, String>,
}

fn show(key: &str) -> String {
    key.chars().filter(|c| !c.is_control()).take(64).collect()
}

fn normalize(value: Value, shape: &Shape, path: &str, out: &mut Normalized) -> Result<Value> {
    match (value, shape) {
        (Value::Object(map), Shape::Object(props)) => {
            let mut next = Map::with_capacity(map.len());
            for (key, v) in map {
                let (name, renamed) = if props.contains_key(&key) {
                    (key.clone(), false)
                } else if props.contains_key(&camel(&key)) {
                    (camel(&key), true)
                } else {
                    let field = join(path, &show(&key));
                    let reason = match suggestion(&key, props.keys()) {
                        Some(s) => format!("is not a known argument; did you mean {s}?"),
                        None => "is not a known argument".to_string(),
                    };
                    return Err(MfaError::invalid(field, reason));
                };
                let full = join(path, &name);
                if next.contains_key(&name) {
                    // Report the spelling that is not the schema's (whichever came first).
                    let earlier = out
                        .spelled
                        .get(&full)
                        .cloned()
                        .unwrap_or_else(|| full.clone());
                    let alias = if renamed { join(path, &key) } else { earlier };
                    return Err(MfaError::invalid(
                        show(&alias),
                        format!("is given twice (as {name} and {})", show(&alias)),
                    ));
                }
                if renamed {
                    out.spelled.insert(full.clone(), join(path, &key));
                }
                let child = props.get(&name).unwrap_or(&Shape::Scalar(None));
                let v = normalize(v, child, &full, out)?;
                next.insert(name, v);
            }
            Ok(Value::Object(next))
        }
        (Value::Array(items), Shape::List(item)) => {
            let mut next = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                next.push(normalize(v, item, &format!("{path}[{i}]"), out)?);
            }
            Ok(Value::Array(next))
        }
        (v, _) => Ok(v),
    }
}

/// The first value whose JSON type is not the one its shape wants, as (path, expectation).
/// Nulls are left to the deserializer (they are `None` for optional fields).
fn mistyped(value: &Value, shape: &Shape, path: &str) -> Option<(String, &'static str)> {
    let wrong = || Some((path.to_string(), shape.expected()));
    match (value, shape) {
        (Value::Null, _) | (_, Shape::Scalar(None)) => None,
        (Value::Object(map), Shape::Object(props)) => map.iter().find_map(|(k, v)| {
            props
                .get(k)
                .and_then(|child| mistyped(v, child, &join(path, k)))
        }),
        (Value::Array(items), Shape::List(item)) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| mistyped(v, item, &format!("{path}[{i}]"))),
        (_, Shape::Object(_) | Shape::List(_)) => wrong(),
        (v, Shape::Scalar(Some(t))) => {
            let ok = match t.as_str() {
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => true,
            };
            if ok {
                None
            } else {
                wrong()
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The shape at a dotted path (list indexes dropped).
fn shape_at<'a>(shape: &'a Shape, path: &str) -> Option<&'a Shape> {
    let mut cur = shape;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let name = part.split('[').next().unwrap_or(part);
        cur = match cur {
            Shape::Object(props) => props.get(name)?,
            _ => return None,
        };
        if part.contains('[') {
            if let Shape::List(item) = cur {
                cur = item;
            }
        }
    }
    Some(cur)
}

/// The caller's `args` (a JSON object, or null for none) with every key in the schema's
/// spelling and every value of the JSON type its shape wants; and how the caller spelled the
/// renamed keys.
fn checked(args: &Value, shape: &Shape) -> Result<Normalized> {
    let args = match args {
        Value::Null => Value::Object(Map::new()),
        Value::Object(_) => args.clone(),
        _ => return Err(MfaError::invalid("options", "must be an object")),
    };
    let mut out = Normalized {
        value: Value::Null,
        spelled: BTreeMap::new(),
    };
    out.value = normalize(args, shape, "", &mut out)?;
    if let Some((path, expected)) = mistyped(&out.value, shape, "") {
        let field = out.spelled.get(&path).cloned().unwrap_or(path);
        return Err(MfaError::invalid(field, expected));
    }
    Ok(out)
}

/// The caller's `args` checked against `shape` (see [`parse`]), as JSON in the schema's
/// spelling: for options merged into a whole before they are read (`configure`).
pub(crate) fn normalized(args: &Value, shape: &Shape) -> Result<Value> {
    Ok(checked(args, shape)?.value)
}

/// Parses the caller's `args` (a JSON object, or null for none) as a `T` described by `shape`.
pub(crate) fn parse<T: DeserializeOwned>(args: &Value, shape: &Shape) -> Result<T> {
    let Normalized { value, spelled } = checked(args, shape)?;
    deserialize(value, shape, &spelled)
}

/// Deserializes checked JSON, naming a failing field as the caller spelled it.
pub(crate) fn deserialize<T: DeserializeOwned>(
    value: Value,
    shape: &Shape,
    spelled: &BTreeMap<String, String>,
) -> Result<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        // serde reports a missing field at the object holding it.
        if let Some(missing) = inner
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            return MfaError::invalid(join(&path, missing), "is required");
        }
        let field = spelled.get(&path).cloned().unwrap_or_else(|| path.clone());
        let field = if field.is_empty() {
            "options".to_string()
        } else {
            field
        };
        let reason = if inner.starts_with("invalid value") || inner.contains("out of range") {
            "is out of range".to_string()
        } else if let Some(rest) = inner.strip_prefix("invalid type: ") {
            match shape_at(shape, &path) {
                Some(s @ (Shape::Object(_) | Shape::List(_) | Shape::Scalar(Some(_)))) => {
                    s.expected().to_string()
                }
                _ => match rest.split_once(", expected ") {
                    Some((_, wanted)) => format!("must be {wanted}"),
                    None => "has the wrong type".to_string(),
                },
            }
        } else if let Some(rest) = inner.strip_prefix("unknown variant `") {
            match rest.split_once("`, expected ") {
                Some((_, allowed)) => format!("must be {}", allowed.replace('`', "")),
                None => "is not one of the allowed values".to_string(),
            }
        } else {
            inner.chars().take(200).collect()
        };
        MfaError::invalid(field, reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_convert_both_ways() {
        assert_eq!(camel("user_id"), "userId");
        assert_eq!(camel("ip_address"), "ipAddress");
        assert_eq!(camel("userId"), "userId");
        assert_eq!(snake("userId"), "user_id");
        assert_eq!(snake("maxAttempts"), "max_attempts");
    }

    #[test]
    fn close_names_are_suggested() {
        let names = ["deviceName".to_string(), "label".to_string()];
        assert_eq!(suggestion("deviceNmae", names.iter()), Some(&names[0]));
        assert_eq!(suggestion("device_nmae", names.iter()), Some(&names[0]));
        assert_eq!(suggestion("zzzzzz", names.iter()), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
