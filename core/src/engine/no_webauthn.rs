//! Builds without the `webauthn` feature (the mobile library for iOS): the passkey
//! operations exist, as every operation does, and answer `mfa_method_not_supported`.

use super::{Engine, Proof};
use crate::api::{
    PasskeyInfo, PasskeyOptions, PasskeyOptionsRequest, RemoveFactorResult, RequestContext,
    VerifyMfaResult, VerifyPasskeyRequest,
};
use crate::error::{MfaError, Result};

fn unsupported<T>() -> Result<T> {
    Err(MfaError::unsupported("webauthn"))
}

impl Engine {
    /// Not available in this build.
    pub fn passkey_options(&self, _: &PasskeyOptionsRequest) -> Result<PasskeyOptions> {
        unsupported()
    }

    /// Not available in this build.
    pub fn verify_passkey(&self, _: &VerifyPasskeyRequest) -> Result<VerifyMfaResult> {
        unsupported()
    }

    /// Not available in this build.
    pub fn passkey_authentication_options(
        &self,
        _: &str,
        _: &RequestContext,
    ) -> Result<PasskeyOptions> {
        unsupported()
    }

    /// Not available in this build.
    pub fn verify_passkey_authentication(
        &self,
        _: &str,
        _: &serde_json::Value,
        _: Option<&str>,
        _: &RequestContext,
    ) -> Result<VerifyMfaResult> {
        unsupported()
    }

    /// Not available in this build.
    pub fn list_passkeys(&self, _: &str) -> Result<Vec<PasskeyInfo>> {
        unsupported()
    }

    /// Not available in this build.
    pub fn rename_passkey(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Proof<'_>,
        _: &RequestContext,
    ) -> Result<()> {
        unsupported()
    }

    /// Not available in this build.
    pub fn remove_passkey(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: Proof<'_>,
        _: &RequestContext,
    ) -> Result<RemoveFactorResult> {
        unsupported()
    }
}
