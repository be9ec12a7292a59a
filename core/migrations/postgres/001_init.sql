-- The whole schema as SQLite's migrations 1 to 6 leave it, in PostgreSQL's types: times are
-- Unix seconds (BIGINT), sealed values and hashes BYTEA, flags BOOLEAN. Ids the store sorts
-- by, and the keys it locks in sorted order (attempt scopes, resend-limit keys), compare byte
-- by byte (COLLATE "C"), as on SQLite and in Rust, whatever the database's locale.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  BYTEA NOT NULL,
    key_id TEXT
);

CREATE TABLE users (
    id                        TEXT COLLATE "C" PRIMARY KEY,
    email                     TEXT NOT NULL UNIQUE,
    password_hash             TEXT NOT NULL,
    role                      TEXT NOT NULL DEFAULT 'user',
    created_at                BIGINT NOT NULL,
    mfa_setup_at              BIGINT,
    mfa_last_used_at          BIGINT,
    totp_last_step            BIGINT,
    password_verified_at      BIGINT,
    backup_codes_generated_at BIGINT,
    mfa_failures              BIGINT NOT NULL DEFAULT 0,
    codes_suspended_at        BIGINT,
    factor_added_at           BIGINT
);

-- `seq` orders sessions created in the same second by when they were made.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    token_hash      BYTEA NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    pending         BOOLEAN NOT NULL,
    mfa_verified_at BIGINT,
    mfa_method      TEXT,
    ip              TEXT,
    user_agent      TEXT,
    last_seen_at    BIGINT,
    password_at     BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE totp_devices (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret       BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    algorithm    TEXT NOT NULL,
    digits       BIGINT NOT NULL,
    period       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX totp_devices_user ON totp_devices(user_id);

CREATE TABLE backup_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE attempts (
    scope        TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT REFERENCES users(id) ON DELETE CASCADE,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX attempts_user ON attempts(user_id);

CREATE TABLE audit_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT,
    action     TEXT NOT NULL,
    method     TEXT,
    success    BOOLEAN NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    detail     TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_user_time ON audit_events(user_id, created_at);

CREATE TABLE mfa_channels (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel      TEXT COLLATE "C" NOT NULL,
    destination  BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    masked       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX mfa_channels_user ON mfa_channels(user_id);
-- At most one confirmed and one pending destination per user and channel.
CREATE UNIQUE INDEX mfa_channels_confirmed ON mfa_channels(user_id, channel) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX mfa_channels_pending ON mfa_channels(user_id, channel) WHERE confirmed_at IS NULL;

CREATE TABLE otp_codes (
    delivery_id TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES mfa_channels(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    session_id  TEXT,
    code_hash   BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX otp_codes_user ON otp_codes(user_id, channel_id, purpose);
CREATE INDEX otp_codes_channel ON otp_codes(channel_id);

CREATE TABLE code_sends (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key     TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    sent_at BIGINT NOT NULL
);
CREATE INDEX code_sends_key_time ON code_sends(key, sent_at);
CREATE INDEX code_sends_time ON code_sends(sent_at);
CREATE INDEX code_sends_user ON code_sends(user_id);

-- One row per resend-limit key, locked while a send is counted against it (two sends at once
-- cannot both see room for one more).
CREATE TABLE code_send_keys (
    key TEXT COLLATE "C" PRIMARY KEY
);

CREATE TABLE channel_health (
    provider             TEXT PRIMARY KEY,
    consecutive_failures BIGINT NOT NULL,
    degraded_until       BIGINT NOT NULL
);

CREATE TABLE webauthn_credentials (
    credential_id TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    credential    BYTEA NOT NULL,
    key_id        TEXT NOT NULL,
    sign_count    BIGINT NOT NULL,
    transports    TEXT NOT NULL,
    aaguid        TEXT,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);

CREATE TABLE webauthn_challenges (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    session_hash BYTEA,
    state        BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX webauthn_challenges_user ON webauthn_challenges(user_id);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);
