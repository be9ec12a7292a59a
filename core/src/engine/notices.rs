//! Security notifications raised by operations: collected while the operation's transaction
//! runs and sent once it has committed (never for work that rolled back), through the
//! application's notifier or, without one, the built-in email over SMTP.

use super::{failure_detail, Engine};
use crate::api::{Method, RequestContext};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::crypto;
use crate::delivery::{self, CodeSender, Delivery, DeliveryMeta, SendError, SmtpSender};
use crate::error::{MfaError, Result};
use crate::notify::{Notification, NotificationKind, Notifier};
use crate::password_rules::PasswordScreen;
use crate::store::{wait, Tx, UserRow};
use std::sync::Arc;
use std::time::Duration;

/// Notifications an operation raised, to send after its commit.
#[derive(Default)]
pub(crate) struct Notices(Vec<Notification>);

impl Notices {
    /// Raises `kind` for `user`.
    pub(crate) fn raise(
        &mut self,
        engine: &Engine,
        kind: NotificationKind,
        user: &UserRow,
        method: Option<Method>,
        ctx: &RequestContext,
    ) {
        let config = engine.config();
        self.0.push(Notification::new(
            kind,
            &user.id,
            &user.email,
            method.map(Method::as_str),
            iso8601(engine.now()),
            ctx,
            &config.methods.totp.issuer,
        ));
    }
}

/// Where notifications go: the application's notifier, else email through the configured
/// SMTP server when email notifications are on, else nowhere.
pub(crate) struct Route {
    notifier: Option<Arc<dyn Notifier>>,
    /// The settings of the moment (SMTP server, timeout).
    config: Arc<crate::config::Config>,
}

impl Route {
    /// The SMTP server to email them through, when there is no notifier.
    fn smtp(&self) -> Option<&crate::config::SmtpConfig> {
        self.config
            .delivery
            .smtp
            .as_ref()
            .filter(|_| self.config.notifications.email)
    }

    /// Whether notifications are sent anywhere.
    fn sends(&self) -> bool {
        self.notifier.is_some() || self.smtp().is_some()
    }
}

impl Engine {
    /// Registers the application's notifier for security events (factor added or removed, MFA
    /// turned off, a reused TOTP code, a lockout, suspended factors, password and email
    /// changes); `None` removes it. Without one, and with SMTP configured, the user is emailed
    /// the built-in message (`notifications.email`).
    pub fn set_notifier(&self, notifier: Option<Arc<dyn Notifier>>) -> Result<()> {
        *self
            .notifier
            .write()
            .map_err(|_| MfaError::internal("notifier lock poisoned"))? = notifier;
        Ok(())
    }

    /// Registers the application's breached-password check, asked about every new password
    /// (sign-up, password change) after the built-in rules; `None` removes it.
    pub fn set_password_check(&self, screen: Option<Arc<dyn PasswordScreen>>) -> Result<()> {
        *self
            .password_screen
            .write()
            .map_err(|_| MfaError::internal("password screen lock poisoned"))? = screen;
        Ok(())
    }

    /// Runs `f` in one write transaction (see `Store::write`; `f` may run again), then sends
    /// the notifications it raised in the run that committed.
    pub(super) fn write_noting<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx, &mut Notices) -> Result<T>,
    ) -> Result<T> {
        // Decided once: the route the refusal below considers is the one they are sent by.
        let route = self.notice_route();
        let mut notices = Notices::default();
        let out = self.store.write(|tx| {
            notices = Notices::default();
            let out = f(tx, &mut notices)?;
            if !notices.0.is_empty() && wait::must_not_wait() && route.sends() {
                // Sending them waits for the notifier: the operation runs again where it
                // may wait (this transaction rolls back).
                return Err(wait::refuse());
            }
            Ok(out)
        });
        if out.is_ok() && !notices.0.is_empty() && route.sends() {
            if let Some((notices, route)) = super::held::postpone(notices, route) {
                self.send_notices(notices, route);
            }
        }
        out
    }

    /// Where notifications go now (see [`Route`]).
    fn notice_route(&self) -> Route {
        Route {
            notifier: self.notifier.read().ok().and_then(|n| n.clone()),
            config: self.config(),
        }
    }

    /// Sends notifications by `route`; one that fails is recorded in the audit log, never
    /// returned.
    pub(super) fn send_notices(&self, notices: Notices, route: Route) {
        if notices.0.is_empty() {
            return;
        }
        let timeout = Duration::from_secs(u64::from(route.config.delivery.timeout_seconds));
        for n in notices.0 {
            let outcome = match (&route.notifier, route.smtp()) {
                (Some(notifier), _) => {
                    let notifier = Arc::clone(notifier);
                    let sent = n.clone();
                    delivery::with_timeout("notifier", timeout, move || {
                        notifier.notify(&sent).map_err(SendError::Failed)
                    })
                }
                (None, Some(smtp)) => self.email_notification(smtp.clone(), &n, timeout),
                (None, None) => Ok(()),
            };
            if let Err(e) = outcome {
                let ctx = RequestContext {
                    ip_address: n.ip_address.clone(),
                    user_agent: n.user_agent.clone(),
                };
                let detail = failure_detail(&format!("{}: {}", n.kind, e.reason()));
                let _ = self.store.write(|tx| {
                    self.audit(
                        tx,
                        Some(&n.user_id),
                        AuditAction::NotificationFailed,
                        None,
                        false,
                        &ctx,
                        Some(&detail),
                    )
                });
            }
        }
    }

    fn email_notification(
        &self,
        smtp: crate::config::SmtpConfig,
        n: &Notification,
        timeout: Duration,
    ) -> std::result::Result<(), SendError> {
        let id = crypto::new_id("ntf").map_err(|e| SendError::Failed(e.to_string()))?;
        let mail = Delivery {
            id,
            destination: n.email.clone(),
            message: n.message.clone(),
            meta: DeliveryMeta {
                channel: "email".into(),
                purpose: "notification".into(),
                user_id: n.user_id.clone(),
                code: String::new(),
                expires_in: 0,
                subject: Some(n.subject.clone()),
                platform: None,
            },
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        };
        delivery::send_with_timeout(
            Arc::new(SmtpSender::new(smtp)) as Arc<dyn CodeSender>,
            &mail,
        )
    }
}
