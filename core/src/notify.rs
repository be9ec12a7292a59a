//! Security notifications (OWASP ASVS 2.2.3, 2.5.x: tell the account holder when something
//! happens to their account): what is sent, to whom, and the built-in email template.
//!
//! The engine raises a [`Notification`] after the transaction that caused it commits, and
//! hands it to the application's [`Notifier`] (registered like senders), or, without one and
//! with SMTP configured, emails the user the built-in message. A notification that cannot be
//! delivered never fails the operation; it is recorded in the audit log.

use crate::api::debug_fields;
use schemars::JsonSchema;
use serde::Serialize;

macro_rules! kinds {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $subject:literal, $body:literal; )+) => {
        /// What happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NotificationKind {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl NotificationKind {
            /// Every kind.
            pub const ALL: &'static [NotificationKind] = &[$(NotificationKind::$variant),+];

            /// The name applications receive, e.g. `factor_added`.
            pub fn as_str(self) -> &'static str {
                match self { $(NotificationKind::$variant => $name),+ }
            }

            fn subject(self) -> &'static str {
                match self { $(NotificationKind::$variant => $subject),+ }
            }

            fn body(self) -> &'static str {
                match self { $(NotificationKind::$variant => $body),+ }
            }
        }
    };
}

kinds! {
    /// A TOTP code was used a second time: someone else may have seen it.
    TotpReuse = "totp_reuse", "A sign-in code was reused",
        "A code from your authenticator app was entered a second time. If this was not you, someone may know your password: change it.";
    /// A factor was added (an authenticator, a security key, a phone or email destination).
    FactorAdded = "factor_added", "A sign-in method was added",
        "A new sign-in method was added to your account. If this was not you, change your password and review your sign-in methods.";
    /// A factor was removed.
    FactorRemoved = "factor_removed", "A sign-in method was removed",
        "A sign-in method was removed from your account. If this was not you, change your password and review your sign-in methods.";
    /// Two-step verification was turned off.
    MfaDisabled = "mfa_disabled", "Two-step verification was turned off",
        "Two-step verification was turned off for your account. If this was not you, change your password and turn it back on.";
    /// Too many wrong codes locked the account's verification for a while.
    Lockout = "lockout", "Too many wrong codes",
        "Too many wrong verification codes were entered for your account, so verification is paused for a while. If this was not you, change your password.";
    /// Consecutive failures reached the cap: code-based factors are suspended.
    FactorsSuspended = "factors_suspended", "Code sign-in was suspended",
        "After many wrong verification codes, sign-in with codes is suspended for your account. Sign in with a backup code to restore it, or contact support.";
    /// The password was changed.
    PasswordChanged = "password_changed", "Your password was changed",
        "The password of your account was changed and your other sessions were signed out. If this was not you, contact support now.";
    /// The user reported a push sign-in request they did not make: push is suspended.
    PushReported = "push_reported", "A sign-in request was reported",
        "You reported a sign-in request on your phone that you did not make, so push approvals are paused until you sign in with another method. Someone may know your password: change it.";
    /// The email address was changed (sent to the old address).
    EmailChanged = "email_changed", "Your email address was changed",
        "The email address of your account was changed. If this was not you, contact support now.";
}

/// A security notification for one user.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// What happened, e.g. `factor_added` (see the kinds in the README).
    pub kind: String,
    /// The user.
    pub user_id: String,
    /// The user's email address (for email changes: the old one).
    pub email: String,
    /// The MFA method involved, if any.
    pub method: Option<String>,
    /// ISO 8601 time of the event.
    pub occurred_at: String,
    /// Client IP of the request that caused it, if known.
    pub ip_address: Option<String>,
    /// Client user agent of that request, if known.
    pub user_agent: Option<String>,
    /// A subject line, as the built-in email uses it.
    pub subject: String,
    /// A plain-text message, as the built-in email uses it.
    pub message: String,
}
debug_fields!(Notification {
    kind,
    user_id,
    method,
    occurred_at
});

impl Notification {
    /// A notification of `kind`, with the built-in subject and message for `app`.
    pub(crate) fn new(
        kind: NotificationKind,
        user_id: &str,
        email: &str,
        method: Option<&str>,
        occurred_at: String,
        ctx: &crate::api::RequestContext,
        app: &str,
    ) -> Self {
        let mut message = format!("{}\n\nTime: {occurred_at}", kind.body());
        if let Some(ip) = &ctx.ip_address {
            message.push_str(&format!("\nFrom: {ip}"));
        }
        message.push_str(&format!("\n\n— {app}"));
        Self {
            kind: kind.as_str().into(),
            user_id: user_id.into(),
            email: email.into(),
            method: method.map(str::to_string),
            occurred_at,
            ip_address: ctx.ip_address.clone(),
            user_agent: ctx.user_agent.clone(),
            subject: format!("{app}: {}", kind.subject()),
            message,
        }
    }
}

/// The application's way to tell users about security events (an email service, a push
/// message, an in-app inbox), registered with `Engine::set_notifier`.
pub trait Notifier: Send + Sync {
    /// Delivers one notification; an `Err` carries a reason for the audit log.
    fn notify(&self, notification: &Notification) -> std::result::Result<(), String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_worded() {
        let mut seen = std::collections::HashSet::new();
        for k in NotificationKind::ALL {
            assert!(seen.insert(k.as_str()));
            assert!(!k.subject().is_empty() && !k.body().is_empty());
        }
        let n = Notification::new(
            NotificationKind::FactorAdded,
            "usr_1",
            "a@example.com",
            Some("totp"),
            "2026-12-01T10:00:00Z".into(),
            &crate::api::RequestContext {
                ip_address: Some("203.0.113.9".into()),
                user_agent: None,
            },
            "Acme",
        );
        assert_eq!(n.subject, "Acme: A sign-in method was added");
        assert!(n.message.contains("From: 203.0.113.9"));
    }
}
