//! The built-in push senders by platform: FCM for Android devices, APNs for iOS devices.

use super::{ApnsSender, CodeSender, Delivery, FcmSender, SendError};
use crate::config::DeliveryConfig;

/// Sends a push message through the provider of the device's platform.
#[derive(Debug)]
pub struct PushSenders {
    fcm: Option<FcmSender>,
    apns: Option<ApnsSender>,
}

impl PushSenders {
    /// The senders the settings configure, or `None` when there are none.
    pub fn from_config(config: &DeliveryConfig) -> crate::error::Result<Option<Self>> {
        let fcm = config.fcm.clone().map(FcmSender::new).transpose()?;
        let apns = config.apns.clone().map(ApnsSender::new).transpose()?;
        Ok((fcm.is_some() || apns.is_some()).then_some(Self { fcm, apns }))
    }
}

impl CodeSender for PushSenders {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        match d.meta.platform.as_deref() {
            Some("android") => match &self.fcm {
                Some(s) => s.send(d),
                None => Err(SendError::Failed("delivery.fcm is not configured".into())),
            },
            Some("ios") => match &self.apns {
                Some(s) => s.send(d),
                None => Err(SendError::Failed("delivery.apns is not configured".into())),
            },
            other => Err(SendError::Failed(format!(
                "no push provider for platform {other:?}"
            ))),
        }
    }
}
