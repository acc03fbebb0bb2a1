-- A new kind of domain state: what an issue looked like right after Steward's own last write
-- (src/store/state.rs, StateKey::OwnWrite), so that its own edits and comments are not taken
-- for someone else's activity. SQLite cannot alter a CHECK constraint, so the table is rebuilt
-- with the longer kind list; rows are copied as they are.
CREATE TABLE domain_state_new (
    kind       TEXT NOT NULL CHECK (kind IN ('sweep_watermark', 'workload', 'managed_due', 'notes_synced', 'epic_id', 'epic_work_item', 'digest_graphql_note', 'store_initialised_at', 'audit_imported', 'waiting', 'own_write')),
    scope      TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, scope)
);
INSERT INTO domain_state_new (kind, scope, value, updated_at)
SELECT kind, scope, value, updated_at FROM domain_state;
DROP TABLE domain_state;
ALTER TABLE domain_state_new RENAME TO domain_state;
CREATE INDEX domain_state_updated_at ON domain_state (kind, updated_at);
