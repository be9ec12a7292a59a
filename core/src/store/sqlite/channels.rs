//! SMS and email factors, their one-time codes, resend counters and channel health.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::Result;
use crate::store::counters::send_window_full;
use crate::store::{ChannelRow, ChannelTx, OtpCodeRow, OtpUse, SendLimit};
use rusqlite::params;

/// A user's destinations (sorted by the caller: see [`SqliteTx::rows`]).
pub(super) const CHANNELS: &str = "SELECT id, user_id, channel, destination, key_id, masked, created_at, confirmed_at, last_used_at
             FROM mfa_channels WHERE user_id = ?1";

impl ChannelTx for SqliteTx<'_> {
    fn put_pending_channel(&mut self, c: &ChannelRow) -> Result<()> {
        self.exec(
            "DELETE FROM mfa_channels WHERE user_id = ?1 AND channel = ?2 AND confirmed_at IS NULL",
            params![c.user_id, c.channel],
        )?;
        self.exec(
            "INSERT INTO mfa_channels (id, user_id, channel, destination, key_id, masked, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![c.id, c.user_id, c.channel, c.destination.data, c.destination.key_id, c.masked, c.created_at],
        )?;
        Ok(())
    }

    fn channels(&mut self, user_id: &str) -> Result<Vec<ChannelRow>> {
        let mut channels = self.rows(CHANNELS, [user_id], |r| {
            Ok(ChannelRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                channel: r.get(2)?,
                destination: Sealed {
                    data: r.get(3)?,
                    key_id: r.get(4)?,
                },
                masked: r.get(5)?,
                created_at: r.get(6)?,
                confirmed_at: r.get(7)?,
                last_used_at: r.get(8)?,
            })
        })?;
        // Per channel: the confirmed destination first, then pending ones, oldest first.
        channels.sort_by(|a, b| {
            (&a.channel, a.confirmed_at.is_none(), a.created_at, &a.id).cmp(&(
                &b.channel,
                b.confirmed_at.is_none(),
                b.created_at,
                &b.id,
            ))
        });
        Ok(channels)
    }

    fn confirm_channel(&mut self, channel_id: &str, at: i64) -> Result<bool> {
        self.exec(
            "DELETE FROM mfa_channels WHERE confirmed_at IS NOT NULL AND id <> ?1
               AND (user_id, channel) = (SELECT user_id, channel FROM mfa_channels WHERE id = ?1 AND confirmed_at IS NULL)",
            [channel_id],
        )?;
        Ok(self.exec(
            "UPDATE mfa_channels SET confirmed_at = ?2, last_used_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL",
            params![channel_id, at],
        )? == 1)
    }

    fn delete_channel(&mut self, user_id: &str, channel_id: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM mfa_channels
             WHERE user_id = ?1 AND id = ?2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = ?1 AND id <> ?2))",
            params![user_id, channel_id],
        )? == 1)
    }

    fn touch_channel(&mut self, channel_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE mfa_channels SET last_used_at = ?2 WHERE id = ?1",
            params![channel_id, at],
        )?;
        Ok(())
    }

    fn reserve_send(
        &mut self,
        user_id: &str,
        limits: &[SendLimit],
        now: i64,
    ) -> Result<Option<i64>> {
        let mut retry_at: Option<i64> = None;
        for l in limits {
            let since = now - l.window_secs;
            let (count, oldest): (i64, Option<i64>) = self.row(
                "SELECT COUNT(*), MIN(sent_at) FROM code_sends WHERE key = ?1 AND sent_at > ?2",
                params![l.key, since],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if let Some(free_at) = send_window_full(count, oldest, l.max, l.window_secs, now) {
                retry_at = Some(retry_at.map_or(free_at, |r| r.max(free_at)));
            }
        }
        if retry_at.is_some() {
            return Ok(retry_at);
        }
        for l in limits {
            self.exec(
                "INSERT INTO code_sends (key, user_id, sent_at) VALUES (?1, ?2, ?3)",
                params![l.key, user_id, now],
            )?;
        }
        // Forget sends older than a day (the longest window).
        self.exec("DELETE FROM code_sends WHERE sent_at <= ?1", [now - 86_400])?;
        Ok(None)
    }

    fn put_otp_code(&mut self, r: &OtpCodeRow) -> Result<()> {
        self.exec(
            "DELETE FROM otp_codes WHERE user_id = ?1 AND channel_id = ?2 AND purpose = ?3 AND session_id IS ?4",
            params![r.user_id, r.channel_id, r.purpose, r.session_id],
        )?;
        self.exec(
            "INSERT INTO otp_codes (delivery_id, user_id, channel, channel_id, purpose, session_id, code_hash, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.delivery_id,
                r.user_id,
                r.channel,
                r.channel_id,
                r.purpose,
                r.session_id,
                r.code_hash,
                r.created_at,
                r.expires_at
            ],
        )?;
        Ok(())
    }

    fn consume_otp_code(
        &mut self,
        user_id: &str,
        channel_id: &str,
        purpose: &str,
        session_id: Option<&str>,
        code_hash: &[u8],
        now: i64,
    ) -> Result<OtpUse> {
        let n = self.exec(
            "UPDATE otp_codes SET used_at = ?6
             WHERE user_id = ?1 AND channel_id = ?2 AND purpose = ?3 AND session_id IS ?4
               AND code_hash = ?5 AND used_at IS NULL AND expires_at > ?6",
            params![user_id, channel_id, purpose, session_id, code_hash, now],
        )?;
        if n == 1 {
            return Ok(OtpUse::Consumed);
        }
        let expired: bool = self.row(
            "SELECT EXISTS (SELECT 1 FROM otp_codes
                            WHERE user_id = ?1 AND channel_id = ?2 AND purpose = ?3 AND session_id IS ?4
                              AND code_hash = ?5 AND used_at IS NULL AND expires_at <= ?6)",
            params![user_id, channel_id, purpose, session_id, code_hash, now],
            |r| r.get(0),
        )?;
        Ok(if expired {
            OtpUse::Expired
        } else {
            OtpUse::Invalid
        })
    }

    fn void_delivery(&mut self, delivery_id: &str) -> Result<Option<(String, String)>> {
        self.optional(
            "DELETE FROM otp_codes WHERE delivery_id = ?1 RETURNING user_id, channel",
            [delivery_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn record_channel_health(
        &mut self,
        provider: &str,
        ok: bool,
        now: i64,
        threshold: u32,
        cooldown_secs: i64,
    ) -> Result<()> {
        if ok {
            self.exec(
                "INSERT INTO channel_health (provider, consecutive_failures, degraded_until) VALUES (?1, 0, 0)
                 ON CONFLICT(provider) DO UPDATE SET consecutive_failures = 0, degraded_until = 0",
                [provider],
            )?;
        } else {
            self.exec(
                "INSERT INTO channel_health (provider, consecutive_failures, degraded_until) VALUES (?1, 1, 0)
                 ON CONFLICT(provider) DO UPDATE SET consecutive_failures = consecutive_failures + 1",
                [provider],
            )?;
            self.exec(
                "UPDATE channel_health SET degraded_until = ?2, consecutive_failures = 0
                 WHERE provider = ?1 AND consecutive_failures >= ?3",
                params![provider, now + cooldown_secs, threshold],
            )?;
        }
        Ok(())
    }

    fn channel_health(&mut self, provider: &str) -> Result<(u32, i64)> {
        Ok(self
            .optional(
                "SELECT consecutive_failures, degraded_until FROM channel_health WHERE provider = ?1",
                [provider],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .unwrap_or((0, 0)))
    }
}
