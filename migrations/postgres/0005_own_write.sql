-- A new kind of domain state: what an issue looked like right after Steward's own last write
-- (src/store/state.rs, StateKey::OwnWrite). Only the kind list changes.
ALTER TABLE domain_state DROP CONSTRAINT domain_state_kind_check;
ALTER TABLE domain_state ADD CONSTRAINT domain_state_kind_check CHECK (kind IN ('sweep_watermark', 'workload', 'managed_due', 'notes_synced', 'epic_id', 'epic_work_item', 'digest_graphql_note', 'store_initialised_at', 'audit_imported', 'waiting', 'own_write'));
