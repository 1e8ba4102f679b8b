-- RenderLab catalog schema, version 2: generations are rows. The same SQL runs on PostgreSQL and H2.
-- A generation is written before its prediction is created, so a paid prediction is never lost
-- with the process that waited for it: any instance can finish it (see GenerationStore).

CREATE TABLE ${renderlab_qualifier}${renderlab_prefix}generations (
  id            UUID                     NOT NULL PRIMARY KEY,
  user_id       VARCHAR(255)             NOT NULL,
  kind          VARCHAR(16)              NOT NULL,
  model         VARCHAR(255)             NOT NULL,
  prompt        VARCHAR(10000)           NOT NULL,
  image_url     VARCHAR(2048),
  mask_url      VARCHAR(2048),
  base_url      VARCHAR(2048),
  collection_id UUID,
  -- The prediction's input exactly as sent, to find a create whose answer was lost.
  input_json    VARCHAR(1000000)         NOT NULL,
  prediction_id VARCHAR(255),
  status        VARCHAR(16)              NOT NULL,
  error         VARCHAR(2000),
  attempts      INTEGER                  NOT NULL,
  run_after     TIMESTAMP WITH TIME ZONE NOT NULL,
  deadline      TIMESTAMP WITH TIME ZONE NOT NULL,
  lease_owner   VARCHAR(255),
  lease_until   TIMESTAMP WITH TIME ZONE,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A user's generations, newest first.
CREATE INDEX ${renderlab_prefix}generations_user ON ${renderlab_qualifier}${renderlab_prefix}generations (user_id, created_at, id);
-- Recovery workers look for unfinished generations whose lease lapsed.
CREATE INDEX ${renderlab_prefix}generations_due ON ${renderlab_qualifier}${renderlab_prefix}generations (status, run_after);
-- Webhooks find the generation of a prediction; one generation per prediction.
CREATE UNIQUE INDEX ${renderlab_prefix}generations_prediction ON ${renderlab_qualifier}${renderlab_prefix}generations (prediction_id);

-- Records made from a generation carry its id and the output they were made from; a prediction's
-- output is recorded once, whichever path (the waiting process, a webhook, a recovery worker) completes it.
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}images ADD COLUMN generation_id UUID;
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}images ADD COLUMN output_index INTEGER;
CREATE UNIQUE INDEX ${renderlab_prefix}images_prediction_output ON ${renderlab_qualifier}${renderlab_prefix}images (prediction_id, output_index);
CREATE INDEX ${renderlab_prefix}images_generation ON ${renderlab_qualifier}${renderlab_prefix}images (generation_id);
