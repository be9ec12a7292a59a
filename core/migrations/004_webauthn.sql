-- Security keys and passkeys (WebAuthn credentials) and their pending ceremonies.
CREATE TABLE webauthn_credentials (
    credential_id TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    credential    BLOB NOT NULL,
    key_id        TEXT NOT NULL,
    sign_count    INTEGER NOT NULL,
    transports    TEXT NOT NULL,
    aaguid        TEXT,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);

CREATE TABLE webauthn_challenges (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    session_hash BLOB,
    state        BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);
