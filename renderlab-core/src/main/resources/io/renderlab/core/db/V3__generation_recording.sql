-- RenderLab catalog schema, version 3 (the generations module): a generation's row says how its
-- outputs are recorded and what its prediction runs, so any instance can finish any generation
-- from the row alone; finished rows leave the lease index.

ALTER TABLE generations ADD COLUMN target VARCHAR(16) DEFAULT 'MODEL' NOT NULL;
ALTER TABLE generations ADD COLUMN reference_url VARCHAR(2048);
ALTER TABLE generations ADD COLUMN record_kind VARCHAR(16) DEFAULT 'GENERATED' NOT NULL;
ALTER TABLE generations ADD COLUMN key_prefix VARCHAR(64) DEFAULT 'generated' NOT NULL;
UPDATE generations SET record_kind = 'EDITED', key_prefix = 'edited' WHERE kind = 'EDIT';
UPDATE generations SET reference_url = COALESCE(base_url, image_url);

-- A finished generation has no run_after: the lease query's range scan on (run_after, id) then
-- visits unfinished rows only, however many finished ones the table holds.
ALTER TABLE generations ALTER COLUMN run_after DROP NOT NULL;
UPDATE generations SET run_after = NULL WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELED', 'EXPIRED');
DROP INDEX generations_due;
CREATE INDEX generations_lease ON generations (run_after, id);
-- Lost creates are looked for among unfinished generations without a prediction, by target.
CREATE INDEX generations_awaiting ON generations (model, created_at);
