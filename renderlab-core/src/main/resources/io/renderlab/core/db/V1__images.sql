-- RenderLab catalog schema, version 1. The same SQL runs on PostgreSQL and H2.
-- Applied by JdbcImageCatalog.migrate(); never applied implicitly. Hosts running Flyway or
-- Liquibase may apply these scripts themselves (renderlab-core/README.md, "Applying the scripts
-- with Flyway or Liquibase"): each table name is preceded by the placeholders renderlab_qualifier
-- (empty, or a schema and a dot) and renderlab_prefix (empty, or a prefix such as rl_), each index
-- name by renderlab_prefix.

CREATE TABLE ${renderlab_qualifier}${renderlab_prefix}images (
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
CREATE INDEX ${renderlab_prefix}images_user_history ON ${renderlab_qualifier}${renderlab_prefix}images (user_id, created_at, id);
CREATE INDEX ${renderlab_prefix}images_user_kind_history ON ${renderlab_qualifier}${renderlab_prefix}images (user_id, kind, created_at, id);
-- Lineage: the record of a user whose url is another record's reference_url.
CREATE INDEX ${renderlab_prefix}images_user_url ON ${renderlab_qualifier}${renderlab_prefix}images (user_id, url);
-- Webhooks and retries: the records of a prediction.
CREATE INDEX ${renderlab_prefix}images_prediction ON ${renderlab_qualifier}${renderlab_prefix}images (prediction_id);

CREATE TABLE ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs (
  image_id    UUID                     NOT NULL PRIMARY KEY REFERENCES ${renderlab_qualifier}${renderlab_prefix}images (id) ON DELETE CASCADE,
  state       VARCHAR(16)              NOT NULL,
  attempts    INTEGER                  NOT NULL,
  run_after   TIMESTAMP WITH TIME ZONE NOT NULL,
  lease_owner VARCHAR(255),
  lease_until TIMESTAMP WITH TIME ZONE,
  last_error  VARCHAR(2000),
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Workers look for due, pending jobs.
CREATE INDEX ${renderlab_prefix}thumbnail_jobs_due ON ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs (state, run_after);
CREATE INDEX ${renderlab_prefix}thumbnail_jobs_lease_owner ON ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs (lease_owner);
