-- Persisted attempt counters (shared by every process on the file) and the audit log.
CREATE TABLE attempts (
    scope        TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users(id) ON DELETE CASCADE,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempts_user ON attempts(user_id);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    method     TEXT,
    success    INTEGER NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    detail     TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_user_time ON audit_events(user_id, created_at);
