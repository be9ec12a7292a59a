-- A tamper-evident audit log: each row's keyed link to the one before, and the checkpoint
-- retention leaves (the last purged row's id and link, with a MAC). Its row is also what
-- writers lock, one at a time, to append to the chain. Rows older than this migration are
-- not linked: the checkpoint starts after them, and the engine's first open fills in its
-- first link (from then on, a missing checkpoint is a broken chain).
ALTER TABLE audit_events ADD COLUMN chain BYTEA;
-- Ids are handed out by the appending writer (the newest id plus one), under the chain's lock.
ALTER TABLE audit_events ALTER COLUMN id DROP IDENTITY IF EXISTS;
CREATE TABLE audit_checkpoint (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    link    BYTEA NOT NULL,
    mac     BYTEA NOT NULL
);
INSERT INTO audit_checkpoint (id, last_id, link, mac)
    SELECT 1, COALESCE(MAX(id), 0), ''::bytea, ''::bytea FROM audit_events;
