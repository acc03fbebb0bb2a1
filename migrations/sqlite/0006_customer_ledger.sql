-- The customer ledger (steward_core::customers): every ask of every customer account, one row
-- per request, its record as JSON (src/store/ledger.rs), with the columns it is looked up by;
-- and the issue links Steward made between possible duplicates, both ways.
CREATE TABLE customer_asks (
    project_id  INTEGER NOT NULL,
    issue_iid   INTEGER NOT NULL,
    account_key TEXT    NOT NULL,
    filed_at    INTEGER NOT NULL,
    record      TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, issue_iid)
);
CREATE INDEX customer_asks_account ON customer_asks (account_key, filed_at);
CREATE TABLE customer_links (
    project_id       INTEGER NOT NULL,
    issue_iid        INTEGER NOT NULL,
    other_project_id INTEGER NOT NULL,
    other_iid        INTEGER NOT NULL,
    linked_at        INTEGER NOT NULL,
    PRIMARY KEY (project_id, issue_iid, other_project_id, other_iid)
);
