//! Security keys and passkeys, and their pending ceremonies.

use super::{count, get, PgTx};
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{WebauthnChallengeRow, WebauthnCredentialRow, WebauthnTx};

impl WebauthnTx for PgTx<'_, '_> {
    fn put_webauthn_challenge(&mut self, w: &WebauthnChallengeRow, now: i64) -> Result<()> {
        // Expired ceremonies of anyone, skipping rows another transaction holds.
        self.exec(
            "DELETE FROM webauthn_challenges WHERE id IN (
               SELECT id FROM webauthn_challenges WHERE expires_at <= $1
               LIMIT 1000 FOR UPDATE SKIP LOCKED)",
            &[&now],
        )?;
        self.exec(
            "INSERT INTO webauthn_challenges (id, user_id, purpose, session_hash, state, key_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&w.id, &w.user_id, &w.purpose, &w.session_hash, &w.state.data, &w.state.key_id, &w.expires_at],
        )?;
        Ok(())
    }

    fn webauthn_challenge_owner(&mut self, id: &str) -> Result<Option<String>> {
        self.optional(
            "SELECT user_id FROM webauthn_challenges WHERE id = $1",
            &[&id],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    fn take_webauthn_challenge(
        &mut self,
        id: &str,
        purpose_prefix: &str,
    ) -> Result<Option<WebauthnChallengeRow>> {
        self.optional(
            "DELETE FROM webauthn_challenges WHERE id = $1 AND starts_with(purpose, $2)
             RETURNING id, user_id, purpose, session_hash, state, key_id, expires_at",
            &[&id, &purpose_prefix],
        )?
        .map(|r| {
            Ok(WebauthnChallengeRow {
                id: get(&r, 0)?,
                user_id: get(&r, 1)?,
                purpose: get(&r, 2)?,
                session_hash: get(&r, 3)?,
                state: Sealed {
                    data: get(&r, 4)?,
                    key_id: get(&r, 5)?,
                },
                expires_at: get(&r, 6)?,
            })
        })
        .transpose()
    }

    fn insert_webauthn_credential(&mut self, w: &WebauthnCredentialRow) -> Result<()> {
        let n = self.exec(
            "INSERT INTO webauthn_credentials (credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (credential_id) DO NOTHING",
            &[
                &w.credential_id,
                &w.user_id,
                &w.name,
                &w.kind,
                &w.credential.data,
                &w.credential.key_id,
                &i64::from(w.sign_count),
                &w.transports,
                &w.aaguid,
                &w.created_at,
                &w.last_used_at,
            ],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(MfaError::AlreadyExists {
                what: "This security key or passkey".into(),
            })
        }
    }

    fn webauthn_credentials(&mut self, user_id: &str) -> Result<Vec<WebauthnCredentialRow>> {
        self.rows(
            "SELECT credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at
             FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, credential_id",
            &[&user_id],
        )?
        .iter()
        .map(|r| {
            Ok(WebauthnCredentialRow {
                credential_id: get(r, 0)?,
                user_id: get(r, 1)?,
                name: get(r, 2)?,
                kind: get(r, 3)?,
                credential: Sealed {
                    data: get(r, 4)?,
                    key_id: get(r, 5)?,
                },
                sign_count: count(r, 6)?,
                transports: get(r, 7)?,
                aaguid: get(r, 8)?,
                created_at: get(r, 9)?,
                last_used_at: get(r, 10)?,
            })
        })
        .collect()
    }

    fn record_webauthn_use(
        &mut self,
        credential_id: &str,
        credential: &Sealed,
        sign_count: u32,
        at: i64,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE webauthn_credentials SET credential = $2, key_id = $3, sign_count = $4::bigint, last_used_at = $5
             WHERE credential_id = $1 AND ($4::bigint = 0 OR sign_count < $4::bigint)",
            &[&credential_id, &credential.data, &credential.key_id, &i64::from(sign_count), &at],
        )? == 1)
    }

    fn rename_webauthn_credential(
        &mut self,
        user_id: &str,
        credential_id: &str,
        name: &str,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE webauthn_credentials SET name = $3 WHERE user_id = $1 AND credential_id = $2",
            &[&user_id, &credential_id, &name],
        )? == 1)
    }

    fn delete_webauthn_credential(&mut self, user_id: &str, credential_id: &str) -> Result<bool> {
        self.lock_user(user_id)?;
        Ok(self.exec(
            "DELETE FROM webauthn_credentials
             WHERE user_id = $1 AND credential_id = $2
               AND EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = $1 AND id <> $2)",
            &[&user_id, &credential_id],
        )? == 1)
    }
}
