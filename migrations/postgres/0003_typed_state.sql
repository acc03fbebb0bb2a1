-- Domain state gets a kind per fact (see src/store/state.rs), a scope within the kind and the
-- time it was written, so that per-week kinds can be pruned by age and callers never build keys.
-- The rows of the key/value table move here; keys of no known kind (long unused) are dropped
-- with the table.
CREATE TABLE domain_state (
    kind       TEXT NOT NULL CHECK (kind IN ('sweep_watermark', 'workload', 'managed_due', 'notes_synced', 'epic_id', 'epic_work_item', 'digest_graphql_note', 'store_initialised_at', 'audit_imported')),
    scope      TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, scope)
);
CREATE INDEX domain_state_updated_at ON domain_state (kind, updated_at);

INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'sweep_watermark', substr(key, 17), value, now() FROM kv_state WHERE substr(key, 1, 16) = 'sweep.watermark:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'workload', substr(key, 10), value, now() FROM kv_state WHERE substr(key, 1, 9) = 'workload:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'managed_due', substr(key, 13), value, now() FROM kv_state WHERE substr(key, 1, 12) = 'managed-due:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'notes_synced', substr(key, 14), value, now() FROM kv_state WHERE substr(key, 1, 13) = 'notes-synced:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'epic_id', substr(key, 9), value, now() FROM kv_state WHERE substr(key, 1, 8) = 'epic-id:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'epic_work_item', substr(key, 16), value, now() FROM kv_state WHERE substr(key, 1, 15) = 'epic-work-item:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'digest_graphql_note', substr(key, 21), value, now() FROM kv_state WHERE substr(key, 1, 20) = 'digest-note:graphql:';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'store_initialised_at', '', value, now() FROM kv_state WHERE key = 'store.initialised_at';
INSERT INTO domain_state (kind, scope, value, updated_at)
SELECT 'audit_imported', '', value, now() FROM kv_state WHERE key = 'audit.imported';

DROP TABLE kv_state;

-- Schedule slots are pruned by claim time (keeping each schedule's latest finished slot).
CREATE INDEX schedule_runs_claimed_at ON schedule_runs (claimed_at);
