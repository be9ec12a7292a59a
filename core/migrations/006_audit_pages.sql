-- Audit rows cost two fewer pages per event: the id is the plain rowid (no sequence table to
-- update on every insert), and the retention purge looks at the oldest rows in id order
-- instead of keeping a second index by time. The purge always keeps the newest row, so ids
-- keep increasing; if the sequence had gone past the newest row, a placeholder row (no user,
-- dated 1970, purged once newer events exist) holds its place.
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
INSERT INTO audit_events_new (id, user_id, action, method, success, created_at)
    SELECT seq, NULL, 'id_reserved', NULL, 1, 0 FROM sqlite_sequence
    WHERE name = 'audit_events' AND seq > (SELECT COALESCE(MAX(id), 0) FROM audit_events);
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_user_time ON audit_events(user_id, created_at);
