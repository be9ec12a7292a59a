//! Reading users to import from JSON Lines or CSV: one record per line (CSV: a header line,
//! then one user per line), every field checked, each problem reported with its line number
//! and field.
//!
//! Fields (JSON keys and CSV headers alike): `email` and `passwordHash` (required), `role`,
//! `createdAt` (Unix seconds or RFC 3339), `totpSecret` (base32) with `totpAlgorithm`
//! (`SHA1`, `SHA256`, `SHA512`), `totpDigits`, `totpPeriod` and `totpName`, `phoneNumber`
//! (SMS), `mfaEmail` (email codes), and `backupCodes` (a JSON array, or in CSV separated by
//! spaces or `;`).

use crate::error::{MfaError, Result};
use serde::Deserialize;

/// One user as a file gives it, before checks.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Record {
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<String>,
    pub created_at: Option<crate::api::UnixTime>,
    pub totp_secret: Option<String>,
    pub totp_algorithm: Option<String>,
    pub totp_digits: Option<u8>,
    pub totp_period: Option<u32>,
    pub totp_name: Option<String>,
    pub phone_number: Option<String>,
    pub mfa_email: Option<String>,
    pub backup_codes: Option<Vec<String>>,
}

/// The file formats `import_users` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// A header line naming the fields, then one user per line.
    Csv,
}

impl Format {
    /// `jsonl` (also `ndjson`, `json`) or `csv`.
    pub fn parse(name: &str) -> Result<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Ok(Format::JsonLines),
            "csv" => Ok(Format::Csv),
            _ => Err(MfaError::invalid("format", "must be jsonl or csv")),
        }
    }

    /// The format a file name suggests: `.csv` is CSV, anything else JSON Lines.
    pub fn of_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".csv") {
            Format::Csv
        } else {
            Format::JsonLines
        }
    }

    /// The name `parse` reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// A record, or what is wrong with its line, numbered from 1.
pub(crate) type Parsed = (u64, std::result::Result<Record, MfaError>);

/// Every non-blank record line of `data`.
pub(crate) fn records(format: Format, data: &str) -> Vec<Parsed> {
    match format {
        Format::JsonLines => json_lines(data),
        Format::Csv => csv(data),
    }
}

fn numbered(data: &str) -> impl Iterator<Item = (u64, &str)> {
    data.lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
}

fn json_lines(data: &str) -> Vec<Parsed> {
    numbered(data.trim_start_matches('\u{feff}'))
        .map(|(n, line)| {
            let mut de = serde_json::Deserializer::from_str(line);
            let parsed = serde_path_to_error::deserialize::<_, Record>(&mut de)
                .map_err(|e| {
                    let field = e.path().to_string();
                    let field = if field == "." || field == "?" {
                        "record".to_string()
                    } else {
                        field
                    };
                    MfaError::invalid(field, clean(&e.inner().to_string()))
                })
                .and_then(|record| match de.end() {
                    Ok(()) => Ok(record),
                    Err(_) => Err(MfaError::invalid(
                        "record",
                        "has more after its JSON object",
                    )),
                });
            (n, parsed)
        })
        .collect()
}

/// serde's message without its position (the report gives the line) and without the value
/// it found, which may be a secret (`invalid type: string "…", expected …`).
fn clean(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    match message.split_once(", expected ") {
        Some((found, expected))
            if found.starts_with("invalid type") || found.starts_with("invalid value") =>
        {
            format!("has the wrong type (expected {expected})")
        }
        _ => message.to_string(),
    }
}

/// The fields of one CSV line: commas separate, double quotes enclose a field (`""` is a
/// quote inside one). A field may not span lines.
fn csv_fields(line: &str) -> std::result::Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, '"') => return Err("has a quote inside an unquoted field"),
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, c) if was_quoted => {
                let _ = c;
                return Err("has text after a closing quote");
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("has an unclosed quote (fields cannot span lines)");
    }
    fields.push(field);
    Ok(fields)
}

fn csv(data: &str) -> Vec<Parsed> {
    let mut lines = numbered(data);
    let Some((header_line, header)) = lines.next() else {
        return Vec::new();
    };
    let header = match csv_fields(header.trim_start_matches('\u{feff}')) {
        Ok(h) => h
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>(),
        Err(why) => return vec![(header_line, Err(MfaError::invalid("header", why)))],
    };
    lines
        .map(|(n, line)| {
            let parsed = csv_fields(line)
                .map_err(|why| MfaError::invalid("record", why))
                .and_then(|values| {
                    if values.len() != header.len() {
                        return Err(MfaError::invalid(
                            "record",
                            format!(
                                "has {} fields where the header has {}",
                                values.len(),
                                header.len()
                            ),
                        ));
                    }
                    let mut object = serde_json::Map::new();
                    for (name, value) in header.iter().zip(values) {
                        if value.is_empty() {
                            continue;
                        }
                        let json = match name.as_str() {
                            "backupCodes" => serde_json::Value::from(
                                value
                                    .split([' ', ';'])
                                    .filter(|c| !c.is_empty())
                                    .collect::<Vec<_>>(),
                            ),
                            "totpDigits" | "totpPeriod" => match value.trim().parse::<u64>() {
                                Ok(n) => serde_json::Value::from(n),
                                Err(_) => {
                                    return Err(MfaError::invalid(name.clone(), "must be a number"))
                                }
                            },
                            "createdAt" => match value.trim().parse::<i64>() {
                                Ok(n) => serde_json::Value::from(n),
                                Err(_) => serde_json::Value::from(value),
                            },
                            _ => serde_json::Value::from(value),
                        };
                        object.insert(name.clone(), json);
                    }
                    serde_path_to_error::deserialize::<_, Record>(serde_json::Value::Object(object))
                        .map_err(|e| {
                            MfaError::invalid(e.path().to_string(), clean(&e.inner().to_string()))
                        })
                });
            (n, parsed)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_counts() {
        assert_eq!(
            csv_fields(r#"a,"b,c","d""e",,"#).unwrap(),
            ["a", "b,c", "d\"e", "", ""]
        );
        assert!(csv_fields(r#""open"#).is_err());
        assert!(csv_fields(r#"a"b"#).is_err());
        let parsed =
            csv("email,passwordHash,backupCodes\n\nx@example.com,$2b$x,A1 B2;C3\ny@example.com\n");
        assert_eq!(parsed.len(), 2);
        let (line, first) = &parsed[0];
        assert_eq!(*line, 3);
        assert_eq!(
            first.as_ref().unwrap().backup_codes.as_ref().unwrap(),
            &["A1", "B2", "C3"]
        );
        assert_eq!(parsed[1].0, 4);
        assert_eq!(parsed[1].1.as_ref().unwrap_err().field(), Some("record"));
    }

    #[test]
    fn json_lines_name_the_field() {
        let parsed = json_lines("{\"email\": 3}\n{\"emial\": \"x\"}\nnot json\n");
        let fields: Vec<_> = parsed
            .iter()
            .map(|(_, r)| r.as_ref().unwrap_err().field().unwrap_or("").to_string())
            .collect();
        assert_eq!(fields, ["email", "emial", "record"]);
    }
}
