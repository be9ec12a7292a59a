-- SMS and email factors, their one-time codes, resend counters and channel health.
CREATE TABLE mfa_channels (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    destination  BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    masked       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_used_at INTEGER,
    UNIQUE (user_id, channel)
);

CREATE TABLE otp_codes (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    code_hash   BLOB NOT NULL,
    delivery_id TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (user_id, channel)
) WITHOUT ROWID;

CREATE TABLE code_sends (
    key     TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    sent_at INTEGER NOT NULL
);
CREATE INDEX code_sends_key_time ON code_sends(key, sent_at);

CREATE TABLE channel_health (
    channel              TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL,
    degraded_until       INTEGER NOT NULL
);
