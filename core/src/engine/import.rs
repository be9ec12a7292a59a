//! Importing users with their factors (see `ImportUsersRequest`).
//!
//! Each record is checked and prepared (ids made, secrets sealed, backup codes hashed)
//! before any transaction; then users go in by batches, each one transaction, so a user is
//! imported with every factor or not at all.

use super::step_up::PASSWORD_GRACE_SECS;
use super::Engine;
use crate::api::{ImportIssue, ImportReport, ImportUsersRequest, RequestContext};
use crate::audit::AuditAction;
use crate::backup_codes;
use crate::crypto::{self, Sealed};
use crate::delivery;
use crate::error::{MfaError, Result};
use crate::import::{self, Format, Record};
use crate::password;
use crate::store::{ChannelRow, TotpDeviceRow, Tx, UserRow, UserStamp};
use crate::totp::{self, TotpAlgorithm, TotpParams};
use crate::validate;

/// Users one import transaction writes.
const BATCH: usize = 1_000;
/// Refused lines a report lists.
const MAX_ISSUES: usize = 1_000;
/// Largest file an import reads.
const MAX_BYTES: u64 = 1 << 30;
/// Shortest imported TOTP secret, in bytes (80 bits, what many authenticator setups used).
const MIN_TOTP_SECRET: usize = 10;

/// A user ready to write.
struct Prepared {
    user: UserRow,
    totp: Option<TotpDeviceRow>,
    channels: Vec<ChannelRow>,
    backup_hashes: Vec<Vec<u8>>,
}

impl Engine {
    /// Imports users (see `ImportUsersRequest`).
    pub fn import_users(&self, r: &ImportUsersRequest) -> Result<ImportReport> {
        let (data, format) = match (&r.data, &r.path) {
            (Some(data), None) => (data.clone(), Format::JsonLines),
            (None, Some(path)) => (read_file(path)?, Format::of_path(path)),
            _ => return Err(MfaError::invalid("data", "give either data or path")),
        };
        let format = match r.format.as_deref() {
            Some(f) => Format::parse(f)?,
            None => format,
        };
        let dry_run = r.dry_run.unwrap_or(false);
        let mut report = ImportReport {
            dry_run,
            ..ImportReport::default()
        };
        let mut ready = Vec::new();
        for (line, parsed) in import::records(format, &data) {
            report.records += 1;
            match parsed.and_then(|record| self.prepare(record)) {
                Ok(p) => ready.push((line, p)),
                Err(e) => note_issue(&mut report, line, &e),
            }
        }
        for batch in ready.chunks(BATCH) {
            let outcome = if dry_run {
                self.store
                    .read(|tx| self.write_batch(tx, batch, false, &r.context))?
            } else {
                self.store
                    .write(|tx| self.write_batch(tx, batch, true, &r.context))?
            };
            report.add(outcome, 0);
        }
        report.issues.sort_by_key(|i| i.line);
        Ok(report)
    }

    /// Writes (or with `write` false, counts) one batch.
    fn write_batch(
        &self,
        tx: &mut dyn Tx,
        batch: &[(u64, Prepared)],
        write: bool,
        ctx: &RequestContext,
    ) -> Result<ImportReport> {
        let mut out = ImportReport::default();
        for (_, p) in batch {
            let u = &p.user;
            if tx.user_by_email(&u.email)?.is_some() {
                out.skipped += 1;
                continue;
            }
            out.imported += 1;
            out.with_totp += u64::from(p.totp.is_some());
            out.with_sms += u64::from(p.channels.iter().any(|c| c.channel == "sms"));
            out.with_email += u64::from(p.channels.iter().any(|c| c.channel == "email"));
            out.with_backup_codes += u64::from(!p.backup_hashes.is_empty());
            if !write {
                continue;
            }
            tx.insert_user(u)?;
            if let Some(device) = &p.totp {
                tx.replace_pending_totp(device)?;
                tx.confirm_totp_device(&device.id, u.created_at)?;
            }
            for channel in &p.channels {
                tx.put_pending_channel(channel)?;
                tx.confirm_channel(&channel.id, u.created_at)?;
            }
            if !p.backup_hashes.is_empty() {
                tx.replace_backup_codes(&u.id, &p.backup_hashes, u.created_at)?;
            }
            // The set-up date only: no factor was "just added" (which would let a caller
            // naming no session regenerate backup codes).
            if p.totp.is_some() || !p.channels.is_empty() {
                tx.stamp_user(&u.id, UserStamp::MfaSetup, u.created_at)?;
            }
            self.audit(
                tx,
                Some(&u.id),
                AuditAction::UserImport,
                None,
                true,
                ctx,
                None,
            )?;
        }
        Ok(out)
    }

    /// Checks a record and makes what its user's rows need.
    fn prepare(&self, r: Record) -> Result<Prepared> {
        let email = validate::email(r.email.as_deref().unwrap_or(""))?;
        let hash = r
            .password_hash
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| MfaError::invalid("passwordHash", "is required"))?;
        password::check_imported(hash.trim())?;
        let role = validate::role(r.role.as_deref().unwrap_or("user"))?;
        let now = self.now();
        // An imported account is not a fresh sign-up: it is dated before the sign-up grace
        // (which lets a new account add its first factor without a password check), so only
        // its owner's password, at sign-in, opens its session.
        let latest = now - PASSWORD_GRACE_SECS - 1;
        let created_at = r.created_at.map_or(latest, |t| t.0.min(latest));
        let id = crypto::new_id("usr")?;
        let key = self.sealing_key();
        let seal =
            |aad: String, plain: &[u8]| -> Result<Sealed> { crypto::seal(&key, &aad, plain) };
        let totp = match r.totp_secret.filter(|s| !s.trim().is_empty()) {
            Some(secret) => {
                let raw = zeroize::Zeroizing::new(totp::secret_from_base32(&secret, "totpSecret")?);
                if raw.len() < MIN_TOTP_SECRET {
                    return Err(MfaError::invalid(
                        "totpSecret",
                        "must be at least 80 bits (16 base32 characters)",
                    ));
                }
                let params = TotpParams {
                    algorithm: match r.totp_algorithm.as_deref() {
                        Some(a) => TotpAlgorithm::parse(a, "totpAlgorithm")?,
                        None => TotpAlgorithm::Sha1,
                    },
                    digits: r.totp_digits.unwrap_or(6),
                    period: r.totp_period.unwrap_or(30),
                };
                params.validate().map_err(|e| match e.field() {
                    Some("digits") => e.in_field("totpDigits"),
                    _ => e.in_field("totpPeriod"),
                })?;
                let name = validate::label(r.totp_name.as_deref())
                    .map_err(|e| e.in_field("totpName"))?
                    .unwrap_or_else(|| "Authenticator".to_string());
                let device = crypto::new_id("dev")?;
                Some(TotpDeviceRow {
                    secret: seal(format!("totp:{device}"), &raw)?,
                    id: device,
                    user_id: id.clone(),
                    name,
                    params,
                    created_at,
                    confirmed_at: None,
                    last_used_at: None,
                })
            }
            None if r.totp_algorithm.is_some()
                || r.totp_digits.is_some()
                || r.totp_period.is_some() =>
            {
                return Err(MfaError::invalid(
                    "totpSecret",
                    "is required with TOTP settings",
                ));
            }
            None => None,
        };
        let mut channels = Vec::new();
        let phone = r.phone_number.filter(|p| !p.trim().is_empty());
        let mfa_email = r.mfa_email.filter(|e| !e.trim().is_empty());
        for (channel, value) in [("sms", phone), ("email", mfa_email)] {
            let Some(value) = value else { continue };
            let (destination, masked) = if channel == "sms" {
                let phone =
                    delivery::normalize_phone(&value).map_err(|e| e.in_field("phoneNumber"))?;
                let masked = delivery::mask_phone(&phone);
                (phone, masked)
            } else {
                let email = validate::email(&value).map_err(|e| e.in_field("mfaEmail"))?;
                let masked = delivery::mask_email(&email);
                (email, masked)
            };
            let cid = crypto::new_id("chn")?;
            channels.push(ChannelRow {
                destination: seal(format!("channel:{cid}"), destination.as_bytes())?,
                id: cid,
                user_id: id.clone(),
                channel: channel.to_string(),
                masked,
                created_at,
                confirmed_at: None,
                last_used_at: None,
            });
        }
        let codes = r.backup_codes.unwrap_or_default();
        if codes.len() > 100 {
            return Err(MfaError::invalid(
                "backupCodes",
                "must be at most 100 codes",
            ));
        }
        if !codes.is_empty() && totp.is_none() && channels.is_empty() {
            return Err(MfaError::invalid(
                "backupCodes",
                "need a factor to back up (totpSecret, phoneNumber or mfaEmail)",
            ));
        }
        let mut backup_hashes = Vec::with_capacity(codes.len());
        for code in &codes {
            let normalized = validate::code(code).map_err(|e| e.in_field("backupCodes"))?;
            if normalized.len() < 6 {
                return Err(MfaError::invalid(
                    "backupCodes",
                    "must be at least 6 characters each",
                ));
            }
            let h = backup_codes::hash(&self.hash_key, &id, &normalized);
            if !backup_hashes.contains(&h) {
                backup_hashes.push(h);
            }
        }
        Ok(Prepared {
            user: UserRow::new(id, email, hash.trim().to_string(), role, created_at),
            totp,
            channels,
            backup_hashes,
        })
    }
}

fn note_issue(report: &mut ImportReport, line: u64, e: &MfaError) {
    report.failed += 1;
    if report.issues.len() < MAX_ISSUES {
        report.issues.push(ImportIssue {
            line,
            field: e.field().unwrap_or("record").to_string(),
            reason: e.reason(),
        });
    }
}

fn read_file(path: &str) -> Result<String> {
    let unreadable = |e: std::io::Error| MfaError::invalid("path", format!("cannot be read: {e}"));
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.len() > MAX_BYTES {
        return Err(MfaError::invalid("path", "is larger than 1 GiB"));
    }
    std::fs::read_to_string(path).map_err(unreadable)
}
