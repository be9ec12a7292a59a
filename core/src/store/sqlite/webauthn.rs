//! Security keys and passkeys, and their pending ceremonies.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{WebauthnChallengeRow, WebauthnCredentialRow, WebauthnTx};
use rusqlite::{params, ErrorCode};

/// A user's credentials (sorted by the caller: see [`SqliteTx::rows`]).
pub(super) const CREDENTIALS: &str = "SELECT credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at
             FROM webauthn_credentials WHERE user_id = ?1";

impl WebauthnTx for SqliteTx<'_> {
    fn put_webauthn_challenge(&mut self, w: &WebauthnChallengeRow, now: i64) -> Result<()> {
        self.exec(
            "DELETE FROM webauthn_challenges WHERE expires_at <= ?1",
            [now],
        )?;
        self.exec(
            "INSERT INTO webauthn_challenges (id, user_id, purpose, session_hash, state, key_id, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![w.id, w.user_id, w.purpose, w.session_hash, w.state.data, w.state.key_id, w.expires_at],
        )?;
        Ok(())
    }

    fn webauthn_challenge_owner(&mut self, id: &str) -> Result<Option<String>> {
        self.optional(
            "SELECT user_id FROM webauthn_challenges WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
    }

    fn take_webauthn_challenge(
        &mut self,
        id: &str,
        purpose_prefix: &str,
    ) -> Result<Option<WebauthnChallengeRow>> {
        self.optional(
            "DELETE FROM webauthn_challenges WHERE id = ?1 AND substr(purpose, 1, length(?2)) = ?2
             RETURNING id, user_id, purpose, session_hash, state, key_id, expires_at",
            params![id, purpose_prefix],
            |r| {
                Ok(WebauthnChallengeRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    purpose: r.get(2)?,
                    session_hash: r.get(3)?,
                    state: Sealed {
                        data: r.get(4)?,
                        key_id: r.get(5)?,
                    },
                    expires_at: r.get(6)?,
                })
            },
        )
    }

    fn insert_webauthn_credential(&mut self, w: &WebauthnCredentialRow) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO webauthn_credentials (credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                w.credential_id,
                w.user_id,
                w.name,
                w.kind,
                w.credential.data,
                w.credential.key_id,
                w.sign_count,
                w.transports,
                w.aaguid,
                w.created_at,
                w.last_used_at
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(MfaError::AlreadyExists {
                    what: "This security key or passkey".into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    fn webauthn_credentials(&mut self, user_id: &str) -> Result<Vec<WebauthnCredentialRow>> {
        let mut credentials = self.rows(CREDENTIALS, [user_id], |r| {
            Ok(WebauthnCredentialRow {
                credential_id: r.get(0)?,
                user_id: r.get(1)?,
                name: r.get(2)?,
                kind: r.get(3)?,
                credential: Sealed {
                    data: r.get(4)?,
                    key_id: r.get(5)?,
                },
                sign_count: r.get(6)?,
                transports: r.get(7)?,
                aaguid: r.get(8)?,
                created_at: r.get(9)?,
                last_used_at: r.get(10)?,
            })
        })?;
        credentials.sort_by(|a, b| {
            (a.created_at, &a.credential_id).cmp(&(b.created_at, &b.credential_id))
        });
        Ok(credentials)
    }

    fn record_webauthn_use(
        &mut self,
        credential_id: &str,
        credential: &Sealed,
        sign_count: u32,
        at: i64,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE webauthn_credentials SET credential = ?2, key_id = ?3, sign_count = ?4, last_used_at = ?5
             WHERE credential_id = ?1 AND (?4 = 0 OR sign_count < ?4)",
            params![credential_id, credential.data, credential.key_id, sign_count, at],
        )? == 1)
    }

    fn rename_webauthn_credential(
        &mut self,
        user_id: &str,
        credential_id: &str,
        name: &str,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE webauthn_credentials SET name = ?3 WHERE user_id = ?1 AND credential_id = ?2",
            params![user_id, credential_id, name],
        )? == 1)
    }

    fn delete_webauthn_credential(&mut self, user_id: &str, credential_id: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM webauthn_credentials
             WHERE user_id = ?1 AND credential_id = ?2
               AND EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = ?1 AND id <> ?2)",
            params![user_id, credential_id],
        )? == 1)
    }
}
