-- A tamper-evident audit log: each row's keyed link to the one before, and the checkpoint
-- retention leaves (the last purged row's id and link, with a MAC). Rows older than this
-- migration are not linked: the checkpoint starts after them, and the engine's first open
-- fills in its first link (from then on, a missing checkpoint is a broken chain).
ALTER TABLE audit_events ADD COLUMN chain BLOB;
CREATE TABLE audit_checkpoint (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    link    BLOB NOT NULL,
    mac     BLOB NOT NULL
);
INSERT INTO audit_checkpoint (id, last_id, link, mac)
    SELECT 1, COALESCE(MAX(id), 0), X'', X'' FROM audit_events;
