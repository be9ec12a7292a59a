//! Authenticator-app devices and the per-user replay guard.

use super::{get, PgTx};
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{TotpDeviceRow, TotpTx};
use crate::totp::{TotpAlgorithm, TotpParams};

impl TotpTx for PgTx<'_, '_> {
    fn replace_pending_totp(&mut self, d: &TotpDeviceRow) -> Result<()> {
        self.lock_user(&d.user_id)?;
        self.exec(
            "DELETE FROM totp_devices WHERE user_id = $1 AND confirmed_at IS NULL",
            &[&d.user_id],
        )?;
        self.exec(
            "INSERT INTO totp_devices (id, user_id, name, secret, key_id, algorithm, digits, period, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &d.id,
                &d.user_id,
                &d.name,
                &d.secret.data,
                &d.secret.key_id,
                &d.params.algorithm.as_str(),
                &i64::from(d.params.digits),
                &i64::from(d.params.period),
                &d.created_at,
            ],
        )?;
        Ok(())
    }

    fn totp_devices(&mut self, user_id: &str) -> Result<Vec<TotpDeviceRow>> {
        let rows = self.rows(
            "SELECT id, user_id, name, secret, key_id, algorithm, digits, period, created_at, confirmed_at, last_used_at
             FROM totp_devices WHERE user_id = $1 ORDER BY created_at, id",
            &[&user_id],
        )?;
        rows.iter()
            .map(|r| {
                let algorithm: String = get(r, 5)?;
                let digits: i64 = get(r, 6)?;
                let period: i64 = get(r, 7)?;
                Ok(TotpDeviceRow {
                    id: get(r, 0)?,
                    user_id: get(r, 1)?,
                    name: get(r, 2)?,
                    secret: Sealed {
                        data: get(r, 3)?,
                        key_id: get(r, 4)?,
                    },
                    params: TotpParams {
                        algorithm: TotpAlgorithm::parse(&algorithm, "algorithm")
                            .map_err(|_| MfaError::storage("stored TOTP algorithm is invalid"))?,
                        digits: u8::try_from(digits).unwrap_or(0),
                        period: u32::try_from(period).unwrap_or(0),
                    },
                    created_at: get(r, 8)?,
                    confirmed_at: get(r, 9)?,
                    last_used_at: get(r, 10)?,
                })
            })
            .collect()
    }

    fn confirm_totp_device(&mut self, device_id: &str, at: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE totp_devices SET confirmed_at = $2, last_used_at = $2 WHERE id = $1 AND confirmed_at IS NULL",
            &[&device_id, &at],
        )? == 1)
    }

    fn touch_totp_device(&mut self, device_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE totp_devices SET last_used_at = $2 WHERE id = $1",
            &[&device_id, &at],
        )?;
        Ok(())
    }

    fn accept_totp_step(&mut self, user_id: &str, step: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            &[&user_id, &step],
        )? == 1)
    }

    fn delete_totp_device(&mut self, user_id: &str, device_id: &str) -> Result<bool> {
        self.lock_user(user_id)?;
        Ok(self.exec(
            "DELETE FROM totp_devices
             WHERE user_id = $1 AND id = $2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = $1 AND id <> $2))",
            &[&user_id, &device_id],
        )? == 1)
    }
}
