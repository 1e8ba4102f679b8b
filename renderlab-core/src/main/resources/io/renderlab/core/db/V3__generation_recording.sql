-- RenderLab catalog schema, version 3 (the generations module): a generation's row says how its
-- outputs are recorded and what its prediction runs, so any instance can finish any generation
-- from the row alone; finished rows leave the lease index.

ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ADD COLUMN target VARCHAR(16) DEFAULT 'MODEL' NOT NULL;
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ADD COLUMN reference_url VARCHAR(2048);
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ADD COLUMN record_kind VARCHAR(16) DEFAULT 'GENERATED' NOT NULL;
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ADD COLUMN key_prefix VARCHAR(64) DEFAULT 'generated' NOT NULL;
UPDATE ${renderlab_qualifier}${renderlab_prefix}generations SET record_kind = 'EDITED', key_prefix = 'edited' WHERE kind = 'EDIT';
UPDATE ${renderlab_qualifier}${renderlab_prefix}generations SET reference_url = COALESCE(base_url, image_url);

-- A finished generation has no run_after: the lease query's range scan on (run_after, id) then
-- visits unfinished rows only, however many finished ones the table holds.
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ALTER COLUMN run_after DROP NOT NULL;
UPDATE ${renderlab_qualifier}${renderlab_prefix}generations SET run_after = NULL WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELED', 'EXPIRED');
DROP INDEX ${renderlab_qualifier}${renderlab_prefix}generations_due;
CREATE INDEX ${renderlab_prefix}generations_lease ON ${renderlab_qualifier}${renderlab_prefix}generations (run_after, id);
-- Lost creates are looked for among unfinished generations without a prediction, by target.
CREATE INDEX ${renderlab_prefix}generations_awaiting ON ${renderlab_qualifier}${renderlab_prefix}generations (model, created_at);
