-- Steward's durable state on SQLite. Times are Unix milliseconds (UTC) in INTEGER columns so
-- that comparisons are numeric (text timestamps of varying precision do not sort reliably).

-- Webhook deliveries; dedup_key is Idempotency-Key or a content key (GITLAB.md §3.7, §5.1).
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key    TEXT    NOT NULL UNIQUE,
    event_name   TEXT,
    event_uuid   TEXT,
    project_id   INTEGER,
    issue_iid    INTEGER,
    headers      TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    decode_error TEXT,
    received_at  INTEGER NOT NULL
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

-- The job queue. claim_token fences writes by a worker whose lease was taken over.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    claim_token  INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    coalesce_key TEXT,
    delivery_id  INTEGER,
    last_error   TEXT,
    summary      TEXT,
    finished_at  INTEGER
);
-- At most one pending, never-claimed job per coalesce key.
CREATE UNIQUE INDEX jobs_coalesce_unclaimed ON jobs (coalesce_key)
    WHERE state = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL;
-- At most one running job per coalesce key: two jobs for one issue never run at once (a
-- claim that would break this fails and claims nothing; see Store::claim_job).
CREATE UNIQUE INDEX jobs_coalesce_running ON jobs (coalesce_key)
    WHERE state = 'running' AND coalesce_key IS NOT NULL;
CREATE INDEX jobs_pending_due ON jobs (run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (state, id);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    job_id          INTEGER,
    delivery_id     INTEGER,
    project_id      INTEGER,
    issue_iid       INTEGER,
    actor           TEXT    NOT NULL,
    rule_names      TEXT    NOT NULL, -- JSON array of strings
    action          TEXT    NOT NULL,
    api_call        TEXT,
    response_status INTEGER,
    detail          TEXT    NOT NULL
);
CREATE INDEX audit_log_issue ON audit_log (project_id, issue_iid, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- Marker key -> note id per target (issue, epic, or a free key). Digests live here too.
CREATE TABLE owned_notes (
    target     TEXT    NOT NULL,
    note_key   TEXT    NOT NULL,
    note_id    INTEGER NOT NULL,
    body_hash  TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (target, note_key)
);

-- One row per scheduled slot: the primary key makes each slot run once.
CREATE TABLE schedule_runs (
    schedule    TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    owner       TEXT    NOT NULL,
    claimed_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    PRIMARY KEY (schedule, slot)
);

CREATE TABLE kv_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
