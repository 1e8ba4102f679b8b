-- RenderLab catalog schema, version 5: edits by models that take no mask. The SDK puts the model's
-- output onto the original inside the mask; the record's url is the composite, raw_url the model's
-- own output, and the generation says to composite so that any instance can finish it.

ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}generations ADD COLUMN composite_mask BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}images ADD COLUMN raw_url VARCHAR(2048);
