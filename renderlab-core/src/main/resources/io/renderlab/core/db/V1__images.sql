-- RenderLab catalog schema, version 1. The same SQL runs on PostgreSQL and H2.
-- Applied by JdbcImageCatalog.migrate(); never applied implicitly.

CREATE TABLE images (
  id            UUID                     NOT NULL PRIMARY KEY,
  user_id       VARCHAR(255)             NOT NULL,
  kind          VARCHAR(16)              NOT NULL,
  name          VARCHAR(255)             NOT NULL,
  url           VARCHAR(2048)            NOT NULL,
  storage_key   VARCHAR(1024)            NOT NULL,
  thumb_url     VARCHAR(2048),
  reference_url VARCHAR(2048),
  mask_url      VARCHAR(2048),
  prompt        VARCHAR(10000),
  model         VARCHAR(255),
  prediction_id VARCHAR(255),
  collection_id UUID,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- History: a user's images newest first, optionally one kind; keyset paging on (created_at, id).
CREATE INDEX images_user_history ON images (user_id, created_at, id);
CREATE INDEX images_user_kind_history ON images (user_id, kind, created_at, id);
-- Lineage: the record of a user whose url is another record's reference_url.
CREATE INDEX images_user_url ON images (user_id, url);
-- Webhooks and retries: the records of a prediction.
CREATE INDEX images_prediction ON images (prediction_id);

CREATE TABLE thumbnail_jobs (
  image_id    UUID                     NOT NULL PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  state       VARCHAR(16)              NOT NULL,
  attempts    INTEGER                  NOT NULL,
  run_after   TIMESTAMP WITH TIME ZONE NOT NULL,
  lease_owner VARCHAR(255),
  lease_until TIMESTAMP WITH TIME ZONE,
  last_error  VARCHAR(2000),
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Workers look for due, pending jobs.
CREATE INDEX thumbnail_jobs_due ON thumbnail_jobs (state, run_after);
CREATE INDEX thumbnail_jobs_lease_owner ON thumbnail_jobs (lease_owner);
