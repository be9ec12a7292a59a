//! The authenticator side for phone apps: parse the `otpauth://` URI a server shows, compute
//! the current code and seconds remaining, and keep a [`Vault`] of accounts whose JSON the app
//! stores in its keychain.

use crate::error::guard;
use plinto_mfa_core::authenticator::{self as auth, AccountCode, AuthenticatorCode, OtpAccount};
use plinto_mfa_core::clock::{Clock, SystemClock};
use plinto_mfa_core::MfaError;
use std::sync::{Arc, Mutex, MutexGuard};

fn now_or(time: Option<i64>) -> i64 {
    time.unwrap_or_else(|| SystemClock.now())
}

/// Parses and validates an `otpauth://totp/…` URI. Malformed ones (wrong scheme, `hotp`,
/// missing or bad secret, digits outside 6–8, period 0, unknown algorithm, empty label)
/// are `MfaError::InvalidInput` naming the part at fault.
#[uniffi::export]
pub fn parse_otpauth_uri(uri: String) -> Result<OtpAccount, MfaError> {
    guard(|| OtpAccount::parse_uri(&uri))
}

/// The code of an otpauth URI at `time` (Unix seconds; default now).
#[uniffi::export(default(time = None))]
pub fn authenticator_code(uri: String, time: Option<i64>) -> Result<AuthenticatorCode, MfaError> {
    guard(|| auth::code_for_uri(&uri, time))
}

/// The code of an account at `time` (Unix seconds; default now).
#[uniffi::export(default(time = None))]
pub fn account_code(account: OtpAccount, time: Option<i64>) -> Result<AuthenticatorCode, MfaError> {
    guard(|| {
        account.validate()?;
        account.code_at(now_or(time))
    })
}

/// The otpauth URI of an account (to export it as a QR code).
#[uniffi::export]
pub fn account_uri(account: OtpAccount) -> Result<String, MfaError> {
    guard(|| {
        account.validate()?;
        Ok(account.to_uri())
    })
}

/// The accounts of an authenticator app. `to_json()` holds the secrets: keep it in the
/// platform's protected storage (Keychain, EncryptedSharedPreferences).
#[derive(Debug, uniffi::Object)]
pub struct Vault {
    inner: Mutex<auth::Vault>,
}

impl Vault {
    fn lock(&self) -> MutexGuard<'_, auth::Vault> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[uniffi::export]
impl Vault {
    /// An empty vault.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(auth::Vault::new()),
        })
    }

    /// A vault read from `to_json()` output; every account is validated.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, MfaError> {
        guard(|| {
            Ok(Arc::new(Self {
                inner: Mutex::new(auth::Vault::from_json(&json)?),
            }))
        })
    }

    /// The vault as JSON, secrets included.
    pub fn to_json(&self) -> Result<String, MfaError> {
        guard(|| self.lock().to_json())
    }

    /// Parses `uri` and adds its account (`AlreadyExists` if the issuer and name are taken).
    pub fn add_uri(&self, uri: String) -> Result<OtpAccount, MfaError> {
        guard(|| self.lock().add_uri(&uri))
    }

    /// Adds an account.
    pub fn add(&self, account: OtpAccount) -> Result<(), MfaError> {
        guard(|| {
            account.validate()?;
            self.lock().add(account)
        })
    }

    /// Removes the account with this issuer and name; returns whether it was there.
    pub fn remove(&self, issuer: Option<String>, account_name: String) -> bool {
        guard(|| Ok(self.lock().remove(issuer.as_deref(), &account_name))).unwrap_or(false)
    }

    /// The accounts, in the order they were added.
    pub fn accounts(&self) -> Vec<OtpAccount> {
        self.lock().accounts().to_vec()
    }

    /// How many accounts there are.
    pub fn count(&self) -> u32 {
        u32::try_from(self.lock().len()).unwrap_or(u32::MAX)
    }

    /// Every account's code at `time` (Unix seconds; default now), in list order.
    #[uniffi::method(default(time = None))]
    pub fn codes(&self, time: Option<i64>) -> Result<Vec<AccountCode>, MfaError> {
        guard(|| self.lock().codes_at(now_or(time)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plinto_mfa_core::totp::TotpAlgorithm;
    use plinto_mfa_core::{ErrorCode, SecretString};

    const URI: &str = "otpauth://totp/Acme:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&digits=8";

    #[test]
    fn parse_code_and_vault() -> Result<(), MfaError> {
        let account = parse_otpauth_uri(URI.into())?;
        assert_eq!(account.issuer.as_deref(), Some("Acme"));
        assert_eq!(account.algorithm, TotpAlgorithm::Sha1);
        assert_eq!(authenticator_code(URI.into(), Some(59))?.code, "94287082");
        assert_eq!(
            account_code(account.clone(), Some(59))?.seconds_remaining,
            1
        );
        assert_eq!(parse_otpauth_uri(account_uri(account.clone())?)?, account);
        assert!(!format!("{account:?}").contains(account.secret.expose()));

        let vault = Vault::new();
        vault.add_uri(URI.into())?;
        let again = vault.add(account.clone()).err().map(|e| e.code());
        assert_eq!(again, Some(ErrorCode::AlreadyExists));
        let copy = Vault::from_json(vault.to_json()?)?;
        assert_eq!(copy.accounts(), vec![account]);
        assert_eq!(copy.codes(Some(59))?[0].code, "94287082");
        assert!(copy.remove(Some("Acme".into()), "alice@example.com".into()));
        assert_eq!(copy.count(), 0);
        Ok(())
    }

    #[test]
    fn malformed_uri_is_invalid_input_on_uri() {
        let err = parse_otpauth_uri("otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQ".into()).err();
        assert!(matches!(err, Some(MfaError::InvalidInput { ref field, .. }) if field == "uri"));
        let mut bad = account_for_test();
        bad.digits = 9;
        let err = account_code(bad, None).err().map(|e| e.code());
        assert_eq!(err, Some(ErrorCode::InvalidInput));
    }

    fn account_for_test() -> OtpAccount {
        OtpAccount {
            issuer: None,
            account_name: "a".into(),
            secret: SecretString("GEZDGNBVGY3TQOJQ".into()),
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            period: 30,
        }
    }
}
