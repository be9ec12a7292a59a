-- Account security: sessions with a last-seen time (idle timeout); consecutive MFA failures and
-- suspended code factors per user; a pending SMS/email destination beside the confirmed one;
-- one-time codes bound to their purpose, destination and session; progressive delays between
-- attempts; channel health per provider; audit rows that outlive their user (pseudonymized).

ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
UPDATE sessions SET last_seen_at = created_at;
-- When the password was last checked for this session (sign-in, or a re-check naming it).
ALTER TABLE sessions ADD COLUMN password_at INTEGER;

ALTER TABLE users ADD COLUMN mfa_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN codes_suspended_at INTEGER;
ALTER TABLE users ADD COLUMN factor_added_at INTEGER;

ALTER TABLE attempts ADD COLUMN next_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE mfa_channels_new (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    destination  BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    masked       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_used_at INTEGER
);
INSERT INTO mfa_channels_new SELECT id, user_id, channel, destination, key_id, masked, created_at, confirmed_at, last_used_at FROM mfa_channels;
DROP TABLE mfa_channels;
ALTER TABLE mfa_channels_new RENAME TO mfa_channels;
-- At most one confirmed and one pending destination per user and channel.
CREATE UNIQUE INDEX mfa_channels_confirmed ON mfa_channels(user_id, channel) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX mfa_channels_pending ON mfa_channels(user_id, channel) WHERE confirmed_at IS NULL;

-- Codes in flight when this runs were bound to nothing: they are dropped (a new one is a resend away).
DROP TABLE otp_codes;
CREATE TABLE otp_codes (
    delivery_id TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES mfa_channels(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    session_id  TEXT,
    code_hash   BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX otp_codes_user ON otp_codes(user_id, channel_id, purpose);

DROP TABLE channel_health;
CREATE TABLE channel_health (
    provider             TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL,
    degraded_until       INTEGER NOT NULL
);

CREATE TABLE audit_events_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT,
    action     TEXT NOT NULL,
    method     TEXT,
    success    INTEGER NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    detail     TEXT,
    created_at INTEGER NOT NULL
);
INSERT INTO audit_events_new SELECT id, user_id, action, method, success, ip, user_agent, detail, created_at FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_user_time ON audit_events(user_id, created_at);
CREATE INDEX audit_time ON audit_events(created_at);
