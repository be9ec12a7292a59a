//! Sessions (only SHA-256 hashes of tokens are stored).

use super::{get, PgTx};
use crate::error::Result;
use crate::store::{NewSession, SessionRow, SessionTx};
use postgres::Row;

fn session_from(r: &Row) -> Result<SessionRow> {
    Ok(SessionRow {
        id: get(r, 0)?,
        user_id: get(r, 1)?,
        created_at: get(r, 2)?,
        expires_at: get(r, 3)?,
        pending: get(r, 4)?,
        mfa_verified_at: get(r, 5)?,
        mfa_method: get(r, 6)?,
        last_seen_at: get(r, 7)?,
        ip: get(r, 8)?,
        user_agent: get(r, 9)?,
        password_at: get(r, 10)?,
    })
}

fn insert(tx: &mut PgTx<'_, '_>, s: &NewSession) -> Result<()> {
    tx.exec(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, pending, mfa_verified_at, mfa_method, ip, user_agent, last_seen_at, password_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &s.row.id,
            &s.token_hash,
            &s.row.user_id,
            &s.row.created_at,
            &s.row.expires_at,
            &s.row.pending,
            &s.row.mfa_verified_at,
            &s.row.mfa_method,
            &s.row.ip,
            &s.row.user_agent,
            &s.row.last_seen_at,
            &s.row.password_at,
        ],
    )?;
    Ok(())
}

impl SessionTx for PgTx<'_, '_> {
    fn insert_session(&mut self, session: &NewSession) -> Result<()> {
        insert(self, session)
    }

    fn session_by_token(
        &mut self,
        token_hash: &[u8],
        now: i64,
        seen_after: i64,
    ) -> Result<Option<SessionRow>> {
        self.optional(
            "SELECT id, user_id, created_at, expires_at, pending, mfa_verified_at, mfa_method, COALESCE(last_seen_at, created_at), ip, user_agent, password_at
             FROM sessions
             WHERE token_hash = $1 AND expires_at > $2 AND COALESCE(last_seen_at, created_at) > $3",
            &[&token_hash, &now, &seen_after],
        )?
        .as_ref()
        .map(session_from)
        .transpose()
    }

    fn touch_session(&mut self, session_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE sessions SET last_seen_at = $2 WHERE id = $1",
            &[&session_id, &at],
        )?;
        Ok(())
    }

    fn list_sessions(
        &mut self,
        user_id: &str,
        now: i64,
        seen_after: i64,
    ) -> Result<Vec<(SessionRow, Vec<u8>)>> {
        self.rows(
            "SELECT id, user_id, created_at, expires_at, pending, mfa_verified_at, mfa_method, COALESCE(last_seen_at, created_at), ip, user_agent, password_at, token_hash
             FROM sessions
             WHERE user_id = $1 AND expires_at > $2 AND COALESCE(last_seen_at, created_at) > $3
             ORDER BY created_at DESC, seq DESC",
            &[&user_id, &now, &seen_after],
        )?
        .iter()
        .map(|r| Ok((session_from(r)?, get(r, 11)?)))
        .collect()
    }

    fn delete_session_by_id(&mut self, user_id: &str, session_id: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM sessions WHERE user_id = $1 AND id = $2",
            &[&user_id, &session_id],
        )? == 1)
    }

    fn delete_user_sessions(&mut self, user_id: &str, keep: Option<&str>) -> Result<usize> {
        let n = self.exec(
            "DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
            &[&user_id, &keep],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn complete_pending_session(
        &mut self,
        pending_hash: &[u8],
        now: i64,
        next: &NewSession,
    ) -> Result<bool> {
        let n = self.exec(
            "DELETE FROM sessions WHERE token_hash = $1 AND pending AND expires_at > $2",
            &[&pending_hash, &now],
        )?;
        if n != 1 {
            return Ok(false);
        }
        insert(self, next)?;
        Ok(true)
    }

    fn stamp_session_password(&mut self, session_id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE sessions SET password_at = $2 WHERE id = $1",
            &[&session_id, &at],
        )?;
        Ok(())
    }

    fn stamp_session_mfa(&mut self, session_id: &str, at: i64, method: &str) -> Result<()> {
        self.exec(
            "UPDATE sessions SET mfa_verified_at = $2, mfa_method = $3 WHERE id = $1",
            &[&session_id, &at, &method],
        )?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> Result<bool> {
        Ok(self.exec("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])? == 1)
    }

    fn purge_expired_sessions(&mut self, now: i64) -> Result<usize> {
        // Housekeeping inside other users' operations: rows another transaction holds are
        // left for a later purge instead of waited for (no contention, no deadlock).
        let n = self.exec(
            "DELETE FROM sessions WHERE id IN (
               SELECT id FROM sessions WHERE expires_at <= $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)",
            &[&now],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}
