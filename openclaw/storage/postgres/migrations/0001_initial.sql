-- OpenClaw's shared state in PostgreSQL: runs, the audit chain, approvals, the idempotency ledger,
-- the target locks and the anti-flapping history. Applied by `openclaw db upgrade` (yoyo).

CREATE TABLE openclaw_runs (
    run_id        TEXT PRIMARY KEY,
    seq           BIGSERIAL NOT NULL,
    incident_id   TEXT,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    incident      JSONB,
    raw_input     TEXT,
    result        JSONB NOT NULL,
    error         TEXT,
    config_hashes JSONB,
    accepted      BOOLEAN,
    attempt       INTEGER,
    rerun_of      TEXT,
    owner         TEXT,
    lease_until   DOUBLE PRECISION,
    mode          TEXT
);
CREATE INDEX openclaw_runs_incident ON openclaw_runs (incident_id);
CREATE INDEX openclaw_runs_status ON openclaw_runs (status);
CREATE INDEX openclaw_runs_created ON openclaw_runs (created_at, seq);
CREATE UNIQUE INDEX openclaw_runs_one_per_incident ON openclaw_runs (incident_id, attempt) WHERE accepted;

CREATE TABLE openclaw_exchanges (
    run_id   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    exchange TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE openclaw_config_blobs (
    sha256 TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    text   TEXT NOT NULL
);

CREATE TABLE openclaw_node_outputs (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    node   TEXT NOT NULL,
    output TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The audit chain: payload is the canonical JSON text that was hashed, kept byte for byte.
CREATE TABLE openclaw_audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    run_id    TEXT,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX openclaw_audit_log_run_id ON openclaw_audit_log (run_id);

-- One row, locked by every append (SELECT ... FOR UPDATE): appends from every process queue on it.
CREATE TABLE openclaw_audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO openclaw_audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION openclaw_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'openclaw_audit_log is append-only';
END;
$$;
CREATE TRIGGER openclaw_audit_log_no_update BEFORE UPDATE OR DELETE ON openclaw_audit_log
    FOR EACH ROW EXECUTE FUNCTION openclaw_audit_log_append_only();
CREATE TRIGGER openclaw_audit_log_no_truncate BEFORE TRUNCATE ON openclaw_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION openclaw_audit_log_append_only();

CREATE TABLE openclaw_approvals (
    seq          BIGSERIAL NOT NULL,
    run_id       TEXT NOT NULL,
    action_index INTEGER NOT NULL,
    person       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('approve', 'reject')),
    digest       TEXT NOT NULL,
    decision     TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, action_index, person, kind)
);

CREATE TABLE openclaw_approval_cancellations (
    run_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);

CREATE TABLE openclaw_resume_claims (
    run_id     TEXT NOT NULL,
    round      TEXT NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (run_id, round)
);

CREATE TABLE openclaw_action_ledger (
    run_id       TEXT NOT NULL,
    digest       TEXT NOT NULL,
    owner        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    status       TEXT,
    result       TEXT,
    claimed_at   DOUBLE PRECISION NOT NULL,
    completed_at DOUBLE PRECISION,
    intent       TEXT,
    PRIMARY KEY (run_id, digest)
);

CREATE TABLE openclaw_target_locks (
    target      TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    acquired_at DOUBLE PRECISION NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL
);

CREATE TABLE openclaw_action_history (
    id     BIGSERIAL PRIMARY KEY,
    target TEXT NOT NULL,
    tool   TEXT NOT NULL,
    run_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at     DOUBLE PRECISION NOT NULL
);
CREATE INDEX openclaw_action_history_target ON openclaw_action_history (target, at);
