-- RenderLab catalog schema, version 4: thumbnail jobs and generations share one lease primitive
-- (core.internal.Leases). The same SQL runs on PostgreSQL and H2.
--
-- Both tables now keep the two invariants that make the lease query one index range scan on
-- (run_after, id), whatever the table holds: a finished row has run_after = NULL (it leaves the
-- range run_after <= now), and a leased row's run_after is its lease's end (it is beyond now until
-- the lease lapses, so live leases are not scanned over on every lease).

-- Thumbnail jobs: a DONE or FAILED job has no run_after; the due index becomes (run_after, image_id),
-- which also orders ties (a backfill enqueues thousands at one instant) without a sort.
ALTER TABLE ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs ALTER COLUMN run_after DROP NOT NULL;
UPDATE ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs SET run_after = NULL WHERE state <> 'PENDING';
DROP INDEX ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs_due;
CREATE INDEX ${renderlab_prefix}thumbnail_jobs_lease ON ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs (run_after, image_id);

-- Leases held now (taken before this version) move run_after to their end.
UPDATE ${renderlab_qualifier}${renderlab_prefix}thumbnail_jobs SET run_after = lease_until
  WHERE state = 'PENDING' AND lease_until IS NOT NULL AND lease_until > run_after;
UPDATE ${renderlab_qualifier}${renderlab_prefix}generations SET run_after = lease_until
  WHERE run_after IS NOT NULL AND lease_until IS NOT NULL AND lease_until > run_after;
