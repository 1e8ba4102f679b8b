package io.renderlab.core.internal;

import io.renderlab.core.ThumbnailJob;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.core.ThumbnailJobStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Thumbnail jobs in the {@code thumbnail_jobs} table. Not public API: use {@code JdbcImageCatalog.thumbnailJobs()}. */
public final class JdbcThumbnailJobQueue implements ThumbnailJobQueue {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcThumbnailJobQueue.class);
  private static final int MAX_ERROR_LENGTH = 2000;
  private static final String DUE =
      "state = 'PENDING' AND run_after <= ? AND (lease_until IS NULL OR lease_until <= ?)";

  private final Jdbc jdbc;
  private final Clock clock;
  private final boolean postgres;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** Creates the queue; {@code postgres} selects {@code FOR UPDATE SKIP LOCKED} leasing. */
  public JdbcThumbnailJobQueue(Jdbc jdbc, Clock clock, boolean postgres) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.postgres = postgres;
  }

  /** Inserts a pending job inside the caller's transaction. */
  public void insertPending(Connection c, UUID imageId, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO thumbnail_jobs (image_id, state, attempts, run_after, updated_at) VALUES (?, 'PENDING', 0, ?, ?)")) {
      Jdbc.setUuid(ps, 1, imageId);
      Jdbc.setInstant(ps, 2, now);
      Jdbc.setInstant(ps, 3, now);
      ps.executeUpdate();
    }
  }

  /** Tells this process's listeners that a job is waiting. */
  public void notifyEnqueued() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.warn("A thumbnail job listener failed; the job stays queued for the next poll", e);
      }
    }
  }

  @Override
  public void onEnqueue(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public boolean enqueue(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    boolean exists =
        jdbc.inTransaction(
            "enqueue the thumbnail of image " + imageId,
            c -> {
              try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM images WHERE id = ?")) {
                Jdbc.setUuid(check, 1, imageId);
                try (ResultSet rs = check.executeQuery()) {
                  if (!rs.next()) {
                    return false;
                  }
                }
              }
              Instant now = clock.instant();
              if (!resetToPending(c, imageId, now)) {
                insertPending(c, imageId, now);
              }
              return true;
            });
    if (exists) {
      notifyEnqueued();
    }
    return exists;
  }

  private static boolean resetToPending(Connection c, UUID imageId, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE thumbnail_jobs SET state = 'PENDING', attempts = 0, run_after = ?, lease_owner = NULL, "
                + "lease_until = NULL, last_error = NULL, updated_at = ? WHERE image_id = ?")) {
      Jdbc.setInstant(ps, 1, now);
      Jdbc.setInstant(ps, 2, now);
      Jdbc.setUuid(ps, 3, imageId);
      return ps.executeUpdate() == 1;
    }
  }

  @Override
  public List<ThumbnailJob> lease(String owner, int max, Duration leaseDuration) {
    Args.identifier(owner, "owner", 255);
    Args.range(max, "max", 1, 1000);
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    if (leaseDuration.isNegative() || leaseDuration.isZero()) {
      throw new IllegalArgumentException("leaseDuration must be positive, was " + leaseDuration);
    }
    Instant now = clock.instant();
    Instant until = now.plus(leaseDuration);
    return postgres ? leaseSkipLocked(owner, max, now, until) : leaseConditional(owner, max, now, until);
  }

  private List<ThumbnailJob> leaseSkipLocked(String owner, int max, Instant now, Instant until) {
    return jdbc.inTransaction(
        "lease thumbnail jobs",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE thumbnail_jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? "
                      + "WHERE image_id IN (SELECT image_id FROM thumbnail_jobs WHERE "
                      + DUE
                      + " ORDER BY run_after, image_id LIMIT ? FOR UPDATE SKIP LOCKED) "
                      + "RETURNING image_id, attempts, last_error")) {
            ps.setString(1, owner);
            Jdbc.setInstant(ps, 2, until);
            Jdbc.setInstant(ps, 3, now);
            Jdbc.setInstant(ps, 4, now);
            Jdbc.setInstant(ps, 5, now);
            ps.setInt(6, max);
            List<ThumbnailJob> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new ThumbnailJob(
                        Jdbc.getUuid(rs, "image_id"),
                        rs.getInt("attempts"),
                        owner,
                        until,
                        Optional.ofNullable(rs.getString("last_error"))));
              }
            }
            return out;
          }
        });
  }

  /**
   * Leasing without {@code SKIP LOCKED}: read candidates, then claim each with an update that
   * re-checks the due condition, so two workers never both win a job.
   */
  private List<ThumbnailJob> leaseConditional(String owner, int max, Instant now, Instant until) {
    List<UUID> candidates =
        jdbc.run(
            "find due thumbnail jobs",
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT image_id FROM thumbnail_jobs WHERE " + DUE + " ORDER BY run_after, image_id LIMIT ?")) {
                Jdbc.setInstant(ps, 1, now);
                Jdbc.setInstant(ps, 2, now);
                ps.setInt(3, max * 2);
                List<UUID> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    ids.add(Jdbc.getUuid(rs, "image_id"));
                  }
                }
                return ids;
              }
            });
    List<ThumbnailJob> out = new ArrayList<>();
    for (UUID id : candidates) {
      if (out.size() == max) {
        break;
      }
      Optional<ThumbnailJob> claimed =
          jdbc.inTransaction(
              "lease thumbnail job " + id,
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "UPDATE thumbnail_jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, "
                            + "updated_at = ? WHERE image_id = ? AND "
                            + DUE)) {
                  ps.setString(1, owner);
                  Jdbc.setInstant(ps, 2, until);
                  Jdbc.setInstant(ps, 3, now);
                  Jdbc.setUuid(ps, 4, id);
                  Jdbc.setInstant(ps, 5, now);
                  Jdbc.setInstant(ps, 6, now);
                  if (ps.executeUpdate() != 1) {
                    return Optional.empty();
                  }
                }
                try (PreparedStatement ps =
                    c.prepareStatement("SELECT attempts, last_error FROM thumbnail_jobs WHERE image_id = ?")) {
                  Jdbc.setUuid(ps, 1, id);
                  try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.of(
                        new ThumbnailJob(
                            id, rs.getInt("attempts"), owner, until, Optional.ofNullable(rs.getString("last_error"))));
                  }
                }
              });
      claimed.ifPresent(out::add);
    }
    return out;
  }

  @Override
  public int renew(String owner, java.util.Collection<UUID> imageIds, Duration leaseDuration) {
    Args.identifier(owner, "owner", 255);
    Objects.requireNonNull(imageIds, "imageIds");
    Args.positive(leaseDuration, "leaseDuration");
    if (imageIds.isEmpty()) {
      return 0;
    }
    List<UUID> ids = List.copyOf(imageIds);
    Args.range(ids.size(), "imageIds.size()", 1, 1000);
    Instant now = clock.instant();
    String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
    return jdbc.run(
        "renew the thumbnail leases of worker " + owner,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE thumbnail_jobs SET lease_until = ?, updated_at = ? "
                      + "WHERE lease_owner = ? AND state = 'PENDING' AND image_id IN (" + marks + ")")) {
            Jdbc.setInstant(ps, 1, now.plus(leaseDuration));
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, owner);
            for (int i = 0; i < ids.size(); i++) {
              Jdbc.setUuid(ps, 4 + i, ids.get(i));
            }
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public boolean complete(UUID imageId, String owner) {
    Objects.requireNonNull(imageId, "imageId");
    Args.identifier(owner, "owner", 255);
    return jdbc.run(
        "complete the thumbnail job of image " + imageId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE thumbnail_jobs SET state = 'DONE', lease_owner = NULL, lease_until = NULL, "
                      + "last_error = NULL, updated_at = ? WHERE image_id = ? AND lease_owner = ? AND state = 'PENDING'")) {
            Jdbc.setInstant(ps, 1, clock.instant());
            Jdbc.setUuid(ps, 2, imageId);
            ps.setString(3, owner);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public boolean fail(UUID imageId, String owner, String error, Instant retryAt) {
    Objects.requireNonNull(imageId, "imageId");
    Args.identifier(owner, "owner", 255);
    String message = error == null || error.isBlank() ? "unknown error" : error;
    String trimmed = message.length() > MAX_ERROR_LENGTH ? message.substring(0, MAX_ERROR_LENGTH) : message;
    Instant now = clock.instant();
    return jdbc.run(
        "record a failed thumbnail attempt of image " + imageId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE thumbnail_jobs SET state = ?, run_after = ?, lease_owner = NULL, lease_until = NULL, "
                      + "last_error = ?, updated_at = ? WHERE image_id = ? AND lease_owner = ? AND state = 'PENDING'")) {
            ps.setString(1, retryAt == null ? "FAILED" : "PENDING");
            Jdbc.setInstant(ps, 2, retryAt == null ? now : retryAt);
            ps.setString(3, trimmed);
            Jdbc.setInstant(ps, 4, now);
            Jdbc.setUuid(ps, 5, imageId);
            ps.setString(6, owner);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public int release(String owner) {
    Args.identifier(owner, "owner", 255);
    return jdbc.run(
        "release the thumbnail jobs of worker " + owner,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE thumbnail_jobs SET lease_owner = NULL, lease_until = NULL, "
                      + "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ? "
                      + "WHERE lease_owner = ? AND state = 'PENDING'")) {
            Jdbc.setInstant(ps, 1, clock.instant());
            ps.setString(2, owner);
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public int backfill(int limit) {
    Args.range(limit, "limit", 1, 1_000_000);
    List<UUID> ids =
        jdbc.run(
            "find images that need a thumbnail",
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT i.id FROM images i LEFT JOIN thumbnail_jobs j ON j.image_id = i.id "
                          + "WHERE i.thumb_url IS NULL AND (j.image_id IS NULL OR j.state <> 'PENDING') "
                          + "ORDER BY i.created_at, i.id LIMIT ?")) {
                ps.setInt(1, limit);
                List<UUID> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    out.add(Jdbc.getUuid(rs, "id"));
                  }
                }
                return out;
              }
            });
    int enqueued = 0;
    for (UUID id : ids) {
      Instant now = clock.instant();
      boolean done =
          jdbc.inTransaction(
              "enqueue the thumbnail of image " + id,
              c -> {
                if (!resetToPending(c, id, now)) {
                  try {
                    insertPending(c, id, now);
                  } catch (SQLException e) {
                    if (Jdbc.isUniqueViolation(e)) {
                      return false; // enqueued concurrently by someone else
                    }
                    throw e;
                  }
                }
                return true;
              });
      if (done) {
        enqueued++;
      }
    }
    if (enqueued > 0) {
      notifyEnqueued();
    }
    return enqueued;
  }

  @Override
  public Optional<ThumbnailJobStatus> status(UUID imageId) {
    Objects.requireNonNull(imageId, "imageId");
    return jdbc.run(
        "read the thumbnail job of image " + imageId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT state, attempts, last_error FROM thumbnail_jobs WHERE image_id = ?")) {
            Jdbc.setUuid(ps, 1, imageId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new ThumbnailJobStatus(
                      ThumbnailJobStatus.State.valueOf(rs.getString("state")),
                      rs.getInt("attempts"),
                      Optional.ofNullable(rs.getString("last_error"))));
            }
          }
        });
  }

  @Override
  public int pending() {
    return jdbc.run(
        "count pending thumbnail jobs",
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM thumbnail_jobs WHERE state = 'PENDING'");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
          }
        });
  }

  @Override
  public String toString() {
    return "JdbcThumbnailJobQueue{postgres=" + postgres + '}';
  }
}
