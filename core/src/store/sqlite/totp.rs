//! Authenticator-app devices and the per-user replay guard.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{TotpDeviceRow, TotpTx};
use crate::totp::{TotpAlgorithm, TotpParams};
use rusqlite::params;

/// A user's devices (sorted by the caller: see [`SqliteTx::rows`]).
pub(super) const DEVICES: &str = "SELECT id, user_id, name, secret, key_id, algorithm, digits, period, created_at, confirmed_at, last_used_at
     FROM totp_devices WHERE user_id = ?1";

impl TotpTx for SqliteTx<'_> {
    fn replace_pending_totp(&mut self, d: &TotpDeviceRow) -> Result<()> {
        self.exec(
            "DELETE FROM totp_devices WHERE user_id = ?1 AND confirmed_at IS NULL",
            [&d.user_id],
        )?;
        self.exec(
            "INSERT INTO totp_devices (id, user_id, name, secret, key_id, algorithm, digits, period, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.id,
                d.user_id,
                d.name,
                d.secret.data,
                d.secret.key_id,
                d.params.algorithm.as_str(),
                d.params.digits,
                d.params.period,
                d.created_at
            ],
        )?;
        Ok(())
    }

    fn totp_devices(&mut self, user_id: &str) -> Result<Vec<TotpDeviceRow>> {
        let rows = self.rows(DEVICES, [user_id], |r| {
            let digits: i64 = r.get(6)?;
            let period: i64 = r.get(7)?;
            let algorithm: String = r.get(5)?;
            Ok((
                TotpDeviceRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                    secret: Sealed {
                        data: r.get(3)?,
                        key_id: r.get(4)?,
                    },
                    params: TotpParams {
                        algorithm: TotpAlgorithm::Sha1,
                        digits: u8::try_from(digits).unwrap_or(0),
                        period: u32::try_from(period).unwrap_or(0),
                    },
                    created_at: r.get(8)?,
                    confirmed_at: r.get(9)?,
                    last_used_at: r.get(10)?,
                },
                algorithm,
            ))
        })?;
        let mut devices = rows
            .into_iter()
            .map(|(mut dev, alg)| {
                dev.params.algorithm = TotpAlgorithm::parse(&alg, "algorithm")
                    .map_err(|_| MfaError::storage("stored TOTP algorithm is invalid"))?;
                Ok(dev)
            })
            .collect::<Result<Vec<_>>>()?;
        devices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(devices)
    }

    fn confirm_totp_device(&mut self, device_id: &str, at: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE totp_devices SET confirmed_at = ?2, last_used_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL",
            params![device_id, at],
        )? == 1)
    }

    fn touch_totp_device(&mut self, device_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE totp_devices SET last_used_at = ?2 WHERE id = ?1",
            params![device_id, at],
        )?;
        Ok(())
    }

    fn accept_totp_step(&mut self, user_id: &str, step: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![user_id, step],
        )? == 1)
    }

    fn delete_totp_device(&mut self, user_id: &str, device_id: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM totp_devices
             WHERE user_id = ?1 AND id = ?2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = ?1 AND id <> ?2))",
            params![user_id, device_id],
        )? == 1)
    }
}
