//! What the audit log records: one [`AuditAction`] per kind of event.

macro_rules! actions {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal; )+) => {
        /// An audited event. Its name is what the log stores and `list_audit_events` returns.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),+];

            /// The stored name, e.g. `sign_in`.
            pub fn as_str(self) -> &'static str {
                match self { $(AuditAction::$variant => $name),+ }
            }
        }
    };
}

actions! {
    /// A user was created.
    SignUp = "sign_up";
    /// A password sign-in (its detail says whether MFA is still required).
    SignIn = "sign_in";
    /// A session ended.
    SignOut = "sign_out";
    /// A password re-check.
    PasswordVerify = "password_verify";
    /// Wrong attempts reached the limit and locked the user out.
    Lockout = "lockout";
    /// A method's setup started.
    MfaEnable = "mfa_enable";
    /// A factor became active.
    MfaActivate = "mfa_activate";
    /// An MFA code or answer was checked.
    MfaVerify = "mfa_verify";
    /// MFA was turned off.
    MfaDisable = "mfa_disable";
    /// A TOTP step was used a second time.
    TotpReplay = "totp_replay";
    /// A used backup code was tried again.
    BackupCodeReuse = "backup_code_reuse";
    /// New backup codes replaced the old ones.
    BackupCodesRegenerate = "backup_codes_regenerate";
    /// An SMS or email code was sent (or refused by the resend limits).
    CodeSent = "code_sent";
    /// A code could not be delivered and was voided.
    DeliveryFailed = "delivery_failed";
    /// A security-key or passkey registration started.
    WebauthnRegisterBegin = "webauthn_register_begin";
    /// A registration answer was refused.
    WebauthnRegister = "webauthn_register";
    /// A security-key or passkey sign-in started.
    WebauthnAuthenticateBegin = "webauthn_authenticate_begin";
    /// An assertion was refused.
    WebauthnAssertion = "webauthn_assertion";
    /// A signature counter did not grow: a possible cloned authenticator.
    WebauthnCounterRegression = "webauthn_counter_regression";
    /// A key was renamed.
    WebauthnRename = "webauthn_rename";
    /// A key was removed.
    WebauthnRemove = "webauthn_remove";
    /// An authenticator device or SMS/email destination was removed.
    FactorRemove = "factor_remove";
    /// Consecutive failures reached the cap: code-based factors were suspended.
    FactorsSuspended = "factors_suspended";
    /// A suspension of code-based factors was lifted (backup code at sign-in, or an
    /// administrator).
    FactorsRestored = "factors_restored";
    /// A step-up was refused or satisfied by a confirmation code.
    StepUp = "step_up";
    /// A session was revoked (one, or the user's others).
    SessionRevoke = "session_revoke";
    /// The password was changed.
    PasswordChange = "password_change";
    /// The email address was changed.
    EmailChange = "email_change";
    /// A security notification could not be delivered.
    NotificationFailed = "notification_failed";
    /// The user deleted their account (the trail is kept under a pseudonym).
    AccountDelete = "account_delete";
    /// The MFA rollout's phase, percentage or prompts changed.
    RolloutChange = "rollout_change";
    /// An enforcement run gave the users the rollout requires their deadline.
    RolloutEnforce = "rollout_enforce";
    /// The application required a user to enroll, or lifted it.
    EnrollmentRequirement = "enrollment_requirement";
    /// A user was created by an import.
    UserImport = "user_import";
    /// An administrator cleared a user's lockouts.
    UserUnlock = "user_unlock";
    /// An administrator removed every factor of a user.
    MfaReset = "mfa_reset";
    /// A phone registered for push approvals (waiting for the set-up's confirmation).
    PushRegister = "push_register";
    /// A push challenge was sent to the user's phones (or could not be delivered).
    PushChallenge = "push_challenge";
    /// A phone answered a push challenge (the detail says how).
    PushAnswer = "push_answer";
    /// The user reported a push request as not theirs: push is suspended for them.
    PushReport = "push_report";
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()));
            assert!(a
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}
