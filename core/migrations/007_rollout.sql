-- MFA rollout: the phase and percentage every process reads, and each user's requirement to
-- enroll (since when, and whether the rollout or the application set it).
ALTER TABLE users ADD COLUMN enrollment_required_at INTEGER;
ALTER TABLE users ADD COLUMN enrollment_required_by TEXT;
CREATE TABLE rollout (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    phase            TEXT NOT NULL,
    percentage       INTEGER NOT NULL,
    prompt_locations TEXT NOT NULL,
    phase_starts     TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX users_mfa_setup ON users(mfa_setup_at) WHERE mfa_setup_at IS NOT NULL;
