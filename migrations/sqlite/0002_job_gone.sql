-- A job whose issue no longer exists (GitLab answers 404) ends as 'gone': final like 'done',
-- and not a dead letter. SQLite cannot change a CHECK constraint in place, so the jobs table is
-- rebuilt with the same columns, rows, id sequence and indexes.
CREATE TABLE jobs_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead', 'gone')),
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
INSERT INTO jobs_new (id, kind, payload, state, run_at, attempts, claim_token, lease_owner,
                      lease_until, coalesce_key, delivery_id, last_error, summary, finished_at)
SELECT id, kind, payload, state, run_at, attempts, claim_token, lease_owner,
       lease_until, coalesce_key, delivery_id, last_error, summary, finished_at
FROM jobs;
-- Ids of pruned jobs are never handed out again.
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE UNIQUE INDEX jobs_coalesce_unclaimed ON jobs (coalesce_key)
    WHERE state = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL;
CREATE UNIQUE INDEX jobs_coalesce_running ON jobs (coalesce_key)
    WHERE state = 'running' AND coalesce_key IS NOT NULL;
CREATE INDEX jobs_pending_due ON jobs (run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (state, id);
