//! The authenticator side: what a phone app does with the `otpauth://` URI a server shows.
//!
//! [`OtpAccount::parse_uri`] reads a Key URI (`otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…
//! &algorithm=…&digits=…&period=…`), [`OtpAccount::code_at`] gives the code for a time and the
//! seconds it stays valid, and a [`Vault`] keeps a list of accounts that round-trips through JSON
//! so the app can store it where it keeps secrets (Keychain, Android Keystore-backed storage):
//! that JSON holds the secrets in clear.
//!
//! Invariants: parsing never panics and reads at most [`MAX_URI_LEN`] bytes; every
//! [`OtpAccount`] this module hands out has passed [`OtpAccount::validate`] (a decodable base32
//! secret of at least 80 bits, 6 to 8 digits, a period of 1 to 3600 seconds, an account name,
//! no control characters); `Debug` never shows a secret. Malformed input is an `invalid_input`
//! error naming the part at fault (`uri`, `label`, `issuer`, `secret`, `algorithm`, `digits`,
//! `period`).

use crate::api::SecretString;
use crate::clock::{Clock, SystemClock};
use crate::error::{MfaError, Result};
use crate::totp::{self, TotpAlgorithm, TotpParams};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroize;

/// Longest URI accepted, in bytes.
pub const MAX_URI_LEN: usize = 4096;
/// Longest issuer or account name accepted, in characters.
pub const MAX_NAME_LEN: usize = 256;
/// Shortest secret accepted, in bytes (80 bits: what most services issue; RFC 4226 asks 128).
pub const MIN_SECRET_BYTES: usize = 10;
/// Most accounts a [`Vault`] holds.
pub const MAX_VAULT_ACCOUNTS: usize = 1000;
/// Version of the [`Vault`] JSON format.
pub const VAULT_FORMAT: u32 = 1;

/// One TOTP account as an authenticator app keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtpAccount {
    /// Who issued it (the `issuer` parameter, else the label's prefix).
    pub issuer: Option<String>,
    /// The account at that issuer, usually an email address.
    pub account_name: String,
    /// The shared secret, unpadded upper-case base32 (zeroed when dropped).
    pub secret: SecretString,
    /// HMAC algorithm.
    #[serde(default)]
    pub algorithm: TotpAlgorithm,
    /// Code length.
    #[serde(default = "default_digits")]
    pub digits: u8,
    /// Seconds per code.
    #[serde(default = "default_period")]
    pub period: u32,
}

fn default_digits() -> u8 {
    TotpParams::default().digits
}

fn default_period() -> u32 {
    TotpParams::default().period
}

impl fmt::Debug for OtpAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpAccount")
            .field("issuer", &self.issuer)
            .field("account_name", &self.account_name)
            .field("secret", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .finish()
    }
}

/// A code and how long it stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorCode {
    /// The code, zero-padded to the account's digits.
    pub code: String,
    /// Seconds until the next code (1 to `period`).
    pub seconds_remaining: u32,
    /// Seconds per code.
    pub period: u32,
}

/// The code of one vault account, for a list screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AccountCode {
    /// The account's issuer.
    pub issuer: Option<String>,
    /// The account's name.
    pub account_name: String,
    /// Its code now.
    pub code: String,
    /// Seconds until the next code.
    pub seconds_remaining: u32,
    /// Seconds per code.
    pub period: u32,
}

impl OtpAccount {
    /// Parses and validates an `otpauth://totp/…` URI. HOTP (counter-based) URIs, missing or
    /// undecodable secrets, and out-of-range parameters are `invalid_input` errors.
    pub fn parse_uri(uri: &str) -> Result<Self> {
        let uri = uri.trim();
        if uri.len() > MAX_URI_LEN {
            return Err(MfaError::invalid(
                "uri",
                format!("is longer than {MAX_URI_LEN} bytes"),
            ));
        }
        if uri.chars().any(char::is_control) {
            return Err(MfaError::invalid("uri", "contains control characters"));
        }
        let rest = strip_prefix_ignore_case(uri, "otpauth://")
            .ok_or_else(|| MfaError::invalid("uri", "must start with otpauth://"))?;
        if rest.contains('#') {
            return Err(MfaError::invalid("uri", "must not contain a fragment (#)"));
        }
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind, label) = path
            .split_once('/')
            .ok_or_else(|| MfaError::invalid("uri", "has no label after the type"))?;
        if kind.eq_ignore_ascii_case("hotp") {
            return Err(MfaError::invalid(
                "uri",
                "is a counter-based (hotp) account; only totp is supported",
            ));
        }
        if !kind.eq_ignore_ascii_case("totp") {
            return Err(MfaError::invalid("uri", "type must be totp"));
        }

        let label = percent_decode("label", label, false)?;
        let (label_issuer, account) = match label.split_once(':') {
            Some((issuer, account)) => (non_empty(issuer), account.trim().to_string()),
            None => (None, label.trim().to_string()),
        };
        if account.is_empty() {
            return Err(MfaError::invalid("label", "has no account name"));
        }

        let mut q = QueryParams::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode("uri", key, true)?.to_ascii_lowercase();
            let slot = match key.as_str() {
                "secret" => &mut q.secret,
                "issuer" => &mut q.issuer,
                "algorithm" => &mut q.algorithm,
                "digits" => &mut q.digits,
                "period" => &mut q.period,
                // Other parameters (image, color, …) do not change the code.
                _ => continue,
            };
            if slot.is_some() {
                return Err(MfaError::invalid(key, "is given more than once"));
            }
            *slot = Some(percent_decode(&key, value, true)?);
        }

        let secret_text = zeroize::Zeroizing::new(
            q.secret
                .take()
                .ok_or_else(|| MfaError::invalid("secret", "is required"))?,
        );
        let issuer = match (label_issuer, q.issuer.as_deref().and_then(non_empty)) {
            (Some(l), Some(p)) if l != p => {
                return Err(MfaError::invalid(
                    "issuer",
                    "does not match the issuer in the label",
                ))
            }
            (l, p) => p.or(l),
        };
        let algorithm = match q.algorithm.as_deref() {
            Some(a) => TotpAlgorithm::parse(a.trim(), "algorithm")?,
            None => TotpAlgorithm::default(),
        };
        let digits = match q.digits.as_deref() {
            Some(d) => parse_number::<u8>("digits", d, "must be 6, 7 or 8")?,
            None => default_digits(),
        };
        let period = match q.period.as_deref() {
            Some(p) => parse_number::<u32>("period", p, "must be 1 to 3600 seconds")?,
            None => default_period(),
        };
        let secret = zeroize::Zeroizing::new(totp::secret_from_base32(&secret_text, "secret")?);
        let account = Self {
            issuer,
            account_name: account,
            secret: SecretString(totp::secret_to_base32(&secret)),
            algorithm,
            digits,
            period,
        };
        account.validate()?;
        Ok(account)
    }

    /// Checks every field; accounts read from JSON go through this too.
    pub fn validate(&self) -> Result<()> {
        if let Some(issuer) = &self.issuer {
            check_name("issuer", issuer)?;
            if issuer.contains(':') {
                return Err(MfaError::invalid("issuer", "must not contain ':'"));
            }
        }
        check_name("label", &self.account_name)?;
        self.params().validate()?;
        let secret =
            zeroize::Zeroizing::new(totp::secret_from_base32(self.secret.expose(), "secret")?);
        if secret.len() < MIN_SECRET_BYTES {
            return Err(MfaError::invalid(
                "secret",
                format!("is shorter than {} bits", MIN_SECRET_BYTES * 8),
            ));
        }
        Ok(())
    }

    /// The account's TOTP parameters.
    pub fn params(&self) -> TotpParams {
        TotpParams {
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
        }
    }

    /// The Key URI of this account (the form `totp::otpauth_uri` writes).
    pub fn to_uri(&self) -> String {
        let label = match &self.issuer {
            Some(issuer) => format!(
                "{}:{}",
                totp::uri_encode(issuer),
                totp::uri_encode(&self.account_name)
            ),
            None => totp::uri_encode(&self.account_name),
        };
        let issuer = self
            .issuer
            .as_ref()
            .map(|i| format!("&issuer={}", totp::uri_encode(i)))
            .unwrap_or_default();
        format!(
            "otpauth://totp/{label}?secret={}{issuer}&algorithm={}&digits={}&period={}",
            self.secret.expose(),
            self.algorithm.as_str(),
            self.digits,
            self.period
        )
    }

    /// The code for the step containing `unix_time` and the seconds left in that step.
    pub fn code_at(&self, unix_time: i64) -> Result<AuthenticatorCode> {
        let params = self.params();
        let secret =
            zeroize::Zeroizing::new(totp::secret_from_base32(self.secret.expose(), "secret")?);
        let code = totp::code_at(&secret, params, unix_time)?;
        Ok(AuthenticatorCode {
            code,
            seconds_remaining: params.seconds_remaining(unix_time),
            period: params.period,
        })
    }

    /// The code now, by `clock`.
    pub fn current_code(&self, clock: &dyn Clock) -> Result<AuthenticatorCode> {
        self.code_at(clock.now())
    }

    fn same_account(&self, issuer: Option<&str>, account_name: &str) -> bool {
        self.issuer.as_deref() == issuer && self.account_name == account_name
    }
}

/// The code of an `otpauth://` URI at `unix_time`, or now when `None`.
pub fn code_for_uri(uri: &str, unix_time: Option<i64>) -> Result<AuthenticatorCode> {
    let account = OtpAccount::parse_uri(uri)?;
    account.code_at(unix_time.unwrap_or_else(|| SystemClock.now()))
}

/// The accounts of an authenticator app. Serializes to JSON
/// (`{"version": 1, "accounts": [...]}`), which contains the secrets: store it encrypted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vault {
    version: u32,
    accounts: Vec<OtpAccount>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("accounts", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

impl Default for Vault {
    fn default() -> Self {
        Self::new()
    }
}

impl Vault {
    /// An empty vault.
    pub fn new() -> Self {
        Self {
            version: VAULT_FORMAT,
            accounts: Vec::new(),
        }
    }

    /// Reads a vault written by [`Vault::to_json`], validating every account.
    pub fn from_json(text: &str) -> Result<Self> {
        let vault: Self = serde_json::from_str(text)
            .map_err(|e| MfaError::invalid("vault", format!("is not a vault: {e}")))?;
        if vault.version != VAULT_FORMAT {
            return Err(MfaError::invalid(
                "vault",
                format!("has unknown format version {}", vault.version),
            ));
        }
        if vault.accounts.len() > MAX_VAULT_ACCOUNTS {
            return Err(MfaError::invalid(
                "vault",
                format!("holds more than {MAX_VAULT_ACCOUNTS} accounts"),
            ));
        }
        for (i, account) in vault.accounts.iter().enumerate() {
            account.validate()?;
            if vault.accounts[..i]
                .iter()
                .any(|a| a.same_account(account.issuer.as_deref(), &account.account_name))
            {
                return Err(MfaError::invalid("vault", "lists an account twice"));
            }
        }
        Ok(vault)
    }

    /// The vault as JSON (secrets included).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| MfaError::internal(format!("serialize: {e}")))
    }

    /// The accounts, in the order they were added.
    pub fn accounts(&self) -> &[OtpAccount] {
        &self.accounts
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Adds an account; one with the same issuer and name gives `already_exists`.
    pub fn add(&mut self, account: OtpAccount) -> Result<()> {
        account.validate()?;
        if self
            .accounts
            .iter()
            .any(|a| a.same_account(account.issuer.as_deref(), &account.account_name))
        {
            return Err(MfaError::AlreadyExists {
                what: "Account".into(),
            });
        }
        if self.accounts.len() >= MAX_VAULT_ACCOUNTS {
            return Err(MfaError::invalid(
                "vault",
                format!("holds {MAX_VAULT_ACCOUNTS} accounts already"),
            ));
        }
        self.accounts.push(account);
        Ok(())
    }

    /// Parses `uri` and adds its account; returns it.
    pub fn add_uri(&mut self, uri: &str) -> Result<OtpAccount> {
        let account = OtpAccount::parse_uri(uri)?;
        self.add(account.clone())?;
        Ok(account)
    }

    /// Removes the account with this issuer and name. Returns whether it was there.
    pub fn remove(&mut self, issuer: Option<&str>, account_name: &str) -> bool {
        let before = self.accounts.len();
        self.accounts
            .retain(|a| !a.same_account(issuer, account_name));
        self.accounts.len() != before
    }

    /// Every account's code at `unix_time`, in list order.
    pub fn codes_at(&self, unix_time: i64) -> Result<Vec<AccountCode>> {
        self.accounts
            .iter()
            .map(|a| {
                let c = a.code_at(unix_time)?;
                Ok(AccountCode {
                    issuer: a.issuer.clone(),
                    account_name: a.account_name.clone(),
                    code: c.code,
                    seconds_remaining: c.seconds_remaining,
                    period: c.period,
                })
            })
            .collect()
    }

    /// Every account's code now, by `clock`.
    pub fn current_codes(&self, clock: &dyn Clock) -> Result<Vec<AccountCode>> {
        self.codes_at(clock.now())
    }
}

#[derive(Default)]
struct QueryParams {
    secret: Option<String>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
}

impl Drop for QueryParams {
    fn drop(&mut self) {
        if let Some(s) = self.secret.as_mut() {
            s.zeroize();
        }
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn check_name(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(MfaError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_NAME_LEN {
        return Err(MfaError::invalid(
            field,
            format!("is longer than {MAX_NAME_LEN} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(MfaError::invalid(field, "contains control characters"));
    }
    Ok(())
}

fn parse_number<T: std::str::FromStr>(field: &str, text: &str, message: &str) -> Result<T> {
    let t = text.trim();
    if t.is_empty() || t.len() > 10 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MfaError::invalid(field, message));
    }
    t.parse::<T>()
        .map_err(|_| MfaError::invalid(field, message))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as a space in query values) into UTF-8 text without control
/// characters.
fn percent_decode(field: &str, text: &str, plus_is_space: bool) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h * 16 + l),
                    _ => return Err(MfaError::invalid(field, "has a malformed percent escape")),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    let decoded =
        String::from_utf8(out).map_err(|_| MfaError::invalid(field, "is not valid UTF-8"))?;
    if decoded.chars().any(char::is_control) {
        return Err(MfaError::invalid(field, "contains control characters"));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    const RFC_SECRET: &[u8] = b"12345678901234567890";
    // RFC 6238 appendix B key in base32.
    const RFC_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn field_of(r: Result<OtpAccount>) -> Option<String> {
        match r {
            Err(MfaError::InvalidInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn round_trip_with_the_server_uri() -> Result<()> {
        for params in [
            TotpParams::default(),
            TotpParams {
                algorithm: TotpAlgorithm::Sha256,
                digits: 8,
                period: 60,
            },
            TotpParams {
                algorithm: TotpAlgorithm::Sha512,
                digits: 7,
                period: 15,
            },
        ] {
            let uri = totp::otpauth_uri("My App", "a+b@x.io", RFC_SECRET, params);
            let account = OtpAccount::parse_uri(&uri)?;
            assert_eq!(account.issuer.as_deref(), Some("My App"));
            assert_eq!(account.account_name, "a+b@x.io");
            assert_eq!(account.secret.expose(), RFC_B32);
            assert_eq!(account.params(), params);
            assert_eq!(account.to_uri(), uri);
            assert_eq!(OtpAccount::parse_uri(&account.to_uri())?, account);
            let now = 1_700_000_123;
            assert_eq!(
                account.code_at(now)?.code,
                totp::code_at(RFC_SECRET, params, now)?
            );
        }
        Ok(())
    }

    #[test]
    fn rfc6238_vectors_and_seconds_remaining() -> Result<()> {
        let uri = format!("otpauth://totp/Example:alice?secret={RFC_B32}&digits=8");
        let account = OtpAccount::parse_uri(&uri)?;
        let c = account.code_at(59)?;
        assert_eq!(c.code, "94287082");
        assert_eq!(c.seconds_remaining, 1);
        assert_eq!(c.period, 30);
        assert_eq!(account.code_at(1_111_111_109)?.code, "07081804");
        assert_eq!(account.code_at(1_111_111_111)?.code, "14050471");
        assert_eq!(account.code_at(60)?.seconds_remaining, 30);
        let clock = ManualClock::new(1_234_567_890);
        let now = account.current_code(&clock)?;
        assert_eq!(now.code, "89005924");
        assert_eq!(now.seconds_remaining, 30 - (1_234_567_890 % 30) as u32);
        assert_eq!(code_for_uri(&uri, Some(2_000_000_000))?.code, "69279037");
        assert_eq!(code_for_uri(&uri, None)?.code.len(), 8);
        Ok(())
    }

    #[test]
    fn label_and_issuer_forms() -> Result<()> {
        let a = OtpAccount::parse_uri(&format!(
            "OTPAUTH://TOTP/ACME%20Co:%20john.doe%40email.com?secret={RFC_B32}&issuer=ACME+Co&algorithm=sha1"
        ))?;
        assert_eq!(a.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(a.account_name, "john.doe@email.com");
        let a = OtpAccount::parse_uri(&format!("otpauth://totp/alice?secret={RFC_B32}"))?;
        assert_eq!(a.issuer, None);
        assert_eq!(a.account_name, "alice");
        assert_eq!(OtpAccount::parse_uri(&a.to_uri())?, a);
        let a = OtpAccount::parse_uri(
            "otpauth://totp/alice?issuer=Corp&secret=jbsw%20y3dp-ehpk3pxp&image=https%3A%2F%2Fx",
        )?;
        assert_eq!(a.issuer.as_deref(), Some("Corp"));
        assert_eq!(a.secret.expose(), "JBSWY3DPEHPK3PXP");
        let a = OtpAccount::parse_uri(&format!("otpauth://totp/Corp%3Abob?secret={RFC_B32}"))?;
        assert_eq!(
            (a.issuer.as_deref(), a.account_name.as_str()),
            (Some("Corp"), "bob")
        );
        Ok(())
    }

    #[test]
    fn malformed_uris_name_the_part_at_fault() {
        let s = RFC_B32;
        let cases: Vec<(String, &str)> = vec![
            (format!("https://totp/A:b?secret={s}"), "uri"),
            (format!("otpauth:/totp/A:b?secret={s}"), "uri"),
            (format!("otpauth://hotp/A:b?secret={s}&counter=1"), "uri"),
            (format!("otpauth://push/A:b?secret={s}"), "uri"),
            (format!("otpauth://totp?secret={s}"), "uri"),
            ("otpauth://totp/A:b".to_string(), "secret"),
            ("otpauth://totp/A:b?issuer=A".to_string(), "secret"),
            ("otpauth://totp/A:b?secret=".to_string(), "secret"),
            (
                "otpauth://totp/A:b?secret=not*base32!".to_string(),
                "secret",
            ),
            ("otpauth://totp/A:b?secret=18018018".to_string(), "secret"),
            ("otpauth://totp/A:b?secret=JBSWY3DP".to_string(), "secret"),
            (format!("otpauth://totp/A:b?secret={s}&digits=5"), "digits"),
            (format!("otpauth://totp/A:b?secret={s}&digits=9"), "digits"),
            (
                format!("otpauth://totp/A:b?secret={s}&digits=six"),
                "digits",
            ),
            (format!("otpauth://totp/A:b?secret={s}&digits=-6"), "digits"),
            (format!("otpauth://totp/A:b?secret={s}&period=0"), "period"),
            (
                format!("otpauth://totp/A:b?secret={s}&period=3601"),
                "period",
            ),
            (
                format!("otpauth://totp/A:b?secret={s}&period=99999999999999"),
                "period",
            ),
            (
                format!("otpauth://totp/A:b?secret={s}&algorithm=MD5"),
                "algorithm",
            ),
            (
                format!("otpauth://totp/A:b?secret={s}&algorithm="),
                "algorithm",
            ),
            (format!("otpauth://totp/:?secret={s}"), "label"),
            (format!("otpauth://totp/A:?secret={s}"), "label"),
            (format!("otpauth://totp/?secret={s}"), "label"),
            (format!("otpauth://totp/%20?secret={s}"), "label"),
            (format!("otpauth://totp/A%00:b?secret={s}"), "label"),
            (format!("otpauth://totp/A:b%0A?secret={s}"), "label"),
            (format!("otpauth://totp/A:b%ZZ?secret={s}"), "label"),
            (format!("otpauth://totp/A:b%4?secret={s}"), "label"),
            (format!("otpauth://totp/A:b%FF?secret={s}"), "label"),
            (
                format!("otpauth://totp/A:b?secret={s}&issuer=%00"),
                "issuer",
            ),
            (format!("otpauth://totp/A:b?secret={s}&issuer=B"), "issuer"),
            (
                format!("otpauth://totp/b?secret={s}&issuer=A%3AB"),
                "issuer",
            ),
            (
                format!("otpauth://totp/A:b?secret={s}&secret={s}"),
                "secret",
            ),
            (
                format!("otpauth://totp/A:b?secret={s}&digits=6&digits=8"),
                "digits",
            ),
            (format!("otpauth://totp/A:b?secret={s}#frag"), "uri"),
            (format!("otpauth://totp/A:b\0?secret={s}"), "uri"),
            (format!("otpauth://totp/A:b?secret={s}\0"), "uri"),
            (
                format!(
                    "otpauth://totp/A:b?secret={s}&x={}",
                    "a".repeat(MAX_URI_LEN)
                ),
                "uri",
            ),
            (
                format!(
                    "otpauth://totp/A:{}?secret={s}",
                    "b".repeat(MAX_NAME_LEN + 1)
                ),
                "label",
            ),
            (
                format!("otpauth://totp/A:b?secret={}", "A".repeat(2000)),
                "secret",
            ),
            (String::new(), "uri"),
        ];
        for (uri, field) in cases {
            let shown: String = uri.chars().take(80).collect();
            assert_eq!(
                field_of(OtpAccount::parse_uri(&uri)).as_deref(),
                Some(field),
                "{shown}"
            );
        }
    }

    #[test]
    fn debug_hides_the_secret() -> Result<()> {
        let a = OtpAccount::parse_uri(&format!("otpauth://totp/A:b?secret={RFC_B32}"))?;
        let shown = format!("{a:?}");
        assert!(!shown.contains(RFC_B32), "{shown}");
        let mut v = Vault::new();
        v.add(a)?;
        assert!(!format!("{v:?}").contains(RFC_B32));
        Ok(())
    }

    #[test]
    fn vault_lists_codes_and_round_trips_json() -> Result<()> {
        let mut v = Vault::new();
        assert!(v.is_empty());
        let first = v.add_uri(&format!("otpauth://totp/A:alice?secret={RFC_B32}"))?;
        v.add_uri(&format!(
            "otpauth://totp/bob?secret={RFC_B32}&digits=8&algorithm=SHA256&period=60"
        ))?;
        assert_eq!(v.len(), 2);
        let dup = v.add(first.clone()).err();
        assert_eq!(dup.map(|e| e.code().as_str()), Some("already_exists"));

        let codes = v.codes_at(59)?;
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[0].account_name, "alice");
        assert_eq!(codes[0].code, "287082");
        assert_eq!(codes[0].seconds_remaining, 1);
        assert_eq!(codes[1].issuer, None);
        assert_eq!(codes[1].code.len(), 8);
        assert_eq!(codes[1].seconds_remaining, 1);
        assert_eq!(v.current_codes(&ManualClock::new(59))?, codes);

        let json = v.to_json()?;
        let back = Vault::from_json(&json)?;
        assert_eq!(back, v);
        assert_eq!(back.accounts()[0], first);

        assert!(v.remove(Some("A"), "alice"));
        assert!(!v.remove(Some("A"), "alice"));
        assert!(!v.remove(None, "alice"));
        assert!(v.remove(None, "bob"));
        assert!(v.is_empty());
        Ok(())
    }

    #[test]
    fn vault_json_is_validated() {
        let bad = [
            "",
            "[]",
            r#"{"version":2,"accounts":[]}"#,
            r#"{"version":1,"accounts":[{"accountName":"a","secret":"!!"}]}"#,
            r#"{"version":1,"accounts":[{"accountName":"a","secret":"GEZDGNBVGY3TQOJQ","digits":9}]}"#,
            r#"{"version":1,"accounts":[{"accountName":"","secret":"GEZDGNBVGY3TQOJQ"}]}"#,
            r#"{"version":1,"accounts":[{"accountName":"a","secret":"GEZDGNBVGY3TQOJQ","extra":1}]}"#,
            r#"{"version":1,"accounts":[{"accountName":"a","secret":"GEZDGNBVGY3TQOJQ"},{"accountName":"a","secret":"GEZDGNBVGY3TQOJQ"}]}"#,
        ];
        for text in bad {
            let err = Vault::from_json(text).err();
            assert_eq!(
                err.map(|e| e.code().as_str()),
                Some("invalid_input"),
                "{text}"
            );
        }
        let ok = r#"{"version":1,"accounts":[{"issuer":null,"accountName":"a","secret":"GEZDGNBVGY3TQOJQ"}]}"#;
        let v = Vault::from_json(ok);
        assert_eq!(
            v.map(|v| v.accounts()[0].params()).ok(),
            Some(TotpParams::default())
        );
    }
}
