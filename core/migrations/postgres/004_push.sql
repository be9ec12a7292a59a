-- Push approvals: one-time enrollments (the QR code's secret, hashed), the phones that
-- answer (public keys, sealed push tokens), their challenges, and the ids of signed requests
-- already seen. `mfa_factors` lists every active factor, so "is this the last one?" is
-- asked of one place (a phone whose push is suspended after a report is not one).
CREATE TABLE push_enrollments (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_hash BYTEA NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX push_enrollments_user ON push_enrollments(user_id);

CREATE TABLE push_devices (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    platform           TEXT NOT NULL,
    public_key         BYTEA NOT NULL UNIQUE,
    push_token         BYTEA,
    key_id             TEXT,
    confirm_hash       BYTEA,
    confirm_expires_at BIGINT,
    created_at         BIGINT NOT NULL,
    confirmed_at       BIGINT,
    last_used_at       BIGINT,
    suspended_at       BIGINT
);
CREATE INDEX push_devices_user ON push_devices(user_id);

CREATE TABLE push_challenges (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash BYTEA NOT NULL,
    purpose      TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    number_hash  BYTEA NOT NULL,
    context      TEXT NOT NULL,
    status       TEXT NOT NULL,
    device_id    TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    answered_at  BIGINT
);
CREATE INDEX push_challenges_user ON push_challenges(user_id, status);
CREATE INDEX push_challenges_created ON push_challenges(created_at);

CREATE TABLE push_replays (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX push_replays_expiry ON push_replays(expires_at);

CREATE VIEW mfa_factors (user_id, id) AS
    SELECT user_id, id FROM totp_devices WHERE confirmed_at IS NOT NULL
    UNION ALL SELECT user_id, id FROM mfa_channels WHERE confirmed_at IS NOT NULL
    UNION ALL SELECT user_id, credential_id FROM webauthn_credentials
    UNION ALL SELECT user_id, id FROM push_devices
        WHERE confirmed_at IS NOT NULL AND suspended_at IS NULL;
