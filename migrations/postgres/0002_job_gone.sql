-- A job whose issue no longer exists (GitLab answers 404) ends as 'gone': final like 'done',
-- and not a dead letter.
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('pending', 'running', 'done', 'dead', 'gone'));
