//! SMS and email factors, their one-time codes, resend counters and channel health.

use super::{count, get, PgTx};
use crate::crypto::Sealed;
use crate::error::Result;
use crate::store::counters::send_window_full;
use crate::store::{ChannelRow, ChannelTx, OtpCodeRow, OtpUse, SendLimit};

impl ChannelTx for PgTx<'_, '_> {
    fn put_pending_channel(&mut self, c: &ChannelRow) -> Result<()> {
        self.lock_user(&c.user_id)?;
        self.exec(
            "DELETE FROM mfa_channels WHERE user_id = $1 AND channel = $2 AND confirmed_at IS NULL",
            &[&c.user_id, &c.channel],
        )?;
        self.exec(
            "INSERT INTO mfa_channels (id, user_id, channel, destination, key_id, masked, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &c.id,
                &c.user_id,
                &c.channel,
                &c.destination.data,
                &c.destination.key_id,
                &c.masked,
                &c.created_at,
            ],
        )?;
        Ok(())
    }

    fn channels(&mut self, user_id: &str) -> Result<Vec<ChannelRow>> {
        // Per channel: the confirmed destination first, then pending ones, oldest first.
        self.rows(
            "SELECT id, user_id, channel, destination, key_id, masked, created_at, confirmed_at, last_used_at
             FROM mfa_channels WHERE user_id = $1
             ORDER BY channel, confirmed_at IS NULL, created_at, id",
            &[&user_id],
        )?
        .iter()
        .map(|r| {
            Ok(ChannelRow {
                id: get(r, 0)?,
                user_id: get(r, 1)?,
                channel: get(r, 2)?,
                destination: Sealed {
                    data: get(r, 3)?,
                    key_id: get(r, 4)?,
                },
                masked: get(r, 5)?,
                created_at: get(r, 6)?,
                confirmed_at: get(r, 7)?,
                last_used_at: get(r, 8)?,
            })
        })
        .collect()
    }

    fn confirm_channel(&mut self, channel_id: &str, at: i64) -> Result<bool> {
        let owner = self.optional(
            "SELECT user_id FROM mfa_channels WHERE id = $1",
            &[&channel_id],
        )?;
        if let Some(owner) = owner {
            let user_id: String = get(&owner, 0)?;
            self.lock_user(&user_id)?;
        }
        self.exec(
            "DELETE FROM mfa_channels WHERE confirmed_at IS NOT NULL AND id <> $1
               AND (user_id, channel) = (SELECT user_id, channel FROM mfa_channels WHERE id = $1 AND confirmed_at IS NULL)",
            &[&channel_id],
        )?;
        Ok(self.exec(
            "UPDATE mfa_channels SET confirmed_at = $2, last_used_at = $2 WHERE id = $1 AND confirmed_at IS NULL",
            &[&channel_id, &at],
        )? == 1)
    }

    fn delete_channel(&mut self, user_id: &str, channel_id: &str) -> Result<bool> {
        self.lock_user(user_id)?;
        Ok(self.exec(
            "DELETE FROM mfa_channels
             WHERE user_id = $1 AND id = $2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = $1 AND id <> $2))",
            &[&user_id, &channel_id],
        )? == 1)
    }

    fn touch_channel(&mut self, channel_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE mfa_channels SET last_used_at = $2 WHERE id = $1",
            &[&channel_id, &at],
        )?;
        Ok(())
    }

    fn reserve_send(
        &mut self,
        user_id: &str,
        limits: &[SendLimit],
        now: i64,
    ) -> Result<Option<i64>> {
        // Each limit's key row is locked (in sorted order: no deadlocks) before its sends are
        // counted, so two sends at once cannot both take the last place.
        let mut keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        self.exec(
            "INSERT INTO code_send_keys (key) SELECT k FROM unnest($1::text[]) AS k ORDER BY k COLLATE \"C\"
             ON CONFLICT (key) DO NOTHING",
            &[&keys],
        )?;
        self.rows(
            "SELECT key FROM code_send_keys WHERE key = ANY($1) ORDER BY key FOR UPDATE",
            &[&keys],
        )?;
        let mut retry_at: Option<i64> = None;
        for l in limits {
            let since = now - l.window_secs;
            let r = self.row(
                "SELECT COUNT(*), MIN(sent_at) FROM code_sends WHERE key = $1 AND sent_at > $2",
                &[&l.key, &since],
            )?;
            let (sent, oldest): (i64, Option<i64>) = (get(&r, 0)?, get(&r, 1)?);
            if let Some(free_at) = send_window_full(sent, oldest, l.max, l.window_secs, now) {
                retry_at = Some(retry_at.map_or(free_at, |r| r.max(free_at)));
            }
        }
        if retry_at.is_some() {
            return Ok(retry_at);
        }
        for l in limits {
            self.exec(
                "INSERT INTO code_sends (key, user_id, sent_at) VALUES ($1, $2, $3)",
                &[&l.key, &user_id, &now],
            )?;
        }
        // Forget sends older than a day (the longest window), skipping rows another
        // transaction holds.
        self.exec(
            "DELETE FROM code_sends WHERE id IN (
               SELECT id FROM code_sends WHERE sent_at <= $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)",
            &[&(now - 86_400)],
        )?;
        Ok(None)
    }

    fn put_otp_code(&mut self, r: &OtpCodeRow) -> Result<()> {
        self.lock_user(&r.user_id)?;
        self.exec(
            "DELETE FROM otp_codes WHERE user_id = $1 AND channel_id = $2 AND purpose = $3 AND session_id IS NOT DISTINCT FROM $4",
            &[&r.user_id, &r.channel_id, &r.purpose, &r.session_id],
        )?;
        self.exec(
            "INSERT INTO otp_codes (delivery_id, user_id, channel, channel_id, purpose, session_id, code_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &r.delivery_id,
                &r.user_id,
                &r.channel,
                &r.channel_id,
                &r.purpose,
                &r.session_id,
                &r.code_hash,
                &r.created_at,
                &r.expires_at,
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
            "UPDATE otp_codes SET used_at = $6
             WHERE user_id = $1 AND channel_id = $2 AND purpose = $3 AND session_id IS NOT DISTINCT FROM $4
               AND code_hash = $5 AND used_at IS NULL AND expires_at > $6",
            &[&user_id, &channel_id, &purpose, &session_id, &code_hash, &now],
        )?;
        if n == 1 {
            return Ok(OtpUse::Consumed);
        }
        let r = self.row(
            "SELECT EXISTS (SELECT 1 FROM otp_codes
                            WHERE user_id = $1 AND channel_id = $2 AND purpose = $3 AND session_id IS NOT DISTINCT FROM $4
                              AND code_hash = $5 AND used_at IS NULL AND expires_at <= $6)",
            &[&user_id, &channel_id, &purpose, &session_id, &code_hash, &now],
        )?;
        Ok(if get(&r, 0)? {
            OtpUse::Expired
        } else {
            OtpUse::Invalid
        })
    }

    fn void_delivery(&mut self, delivery_id: &str) -> Result<Option<(String, String)>> {
        self.optional(
            "DELETE FROM otp_codes WHERE delivery_id = $1 RETURNING user_id, channel",
            &[&delivery_id],
        )?
        .map(|r| Ok((get(&r, 0)?, get(&r, 1)?)))
        .transpose()
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
                "INSERT INTO channel_health (provider, consecutive_failures, degraded_until) VALUES ($1, 0, 0)
                 ON CONFLICT (provider) DO UPDATE SET consecutive_failures = 0, degraded_until = 0",
                &[&provider],
            )?;
        } else {
            // One statement: the count and the switch to degraded happen together.
            self.exec(
                "INSERT INTO channel_health AS h (provider, consecutive_failures, degraded_until)
                 VALUES ($1, CASE WHEN 1 >= $3::bigint THEN 0 ELSE 1 END,
                         CASE WHEN 1 >= $3::bigint THEN $2::bigint ELSE 0 END)
                 ON CONFLICT (provider) DO UPDATE SET
                   consecutive_failures = CASE WHEN h.consecutive_failures + 1 >= $3::bigint THEN 0
                                               ELSE h.consecutive_failures + 1 END,
                   degraded_until = CASE WHEN h.consecutive_failures + 1 >= $3::bigint THEN $2::bigint
                                         ELSE h.degraded_until END",
                &[&provider, &(now + cooldown_secs), &i64::from(threshold)],
            )?;
        }
        Ok(())
    }

    fn channel_health(&mut self, provider: &str) -> Result<(u32, i64)> {
        match self.optional(
            "SELECT consecutive_failures, degraded_until FROM channel_health WHERE provider = $1",
            &[&provider],
        )? {
            Some(r) => Ok((count(&r, 0)?, get(&r, 1)?)),
            None => Ok((0, 0)),
        }
    }
}
