-- Audit rows cost two fewer pages per event: the id is the plain rowid (no sequence table to
-- update on every insert), and the retention purge walks the rows in id order, oldest first,
-- instead of keeping a second index by time. The purge always keeps the newest row, so ids
-- keep increasing.
CREATE TABLE audit_events_new (
    id         INTEGER PRIMARY KEY,
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
