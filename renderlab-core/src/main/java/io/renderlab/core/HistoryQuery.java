package io.renderlab.core;

import io.renderlab.core.internal.Args;
import java.util.Objects;
import java.util.Optional;

/**
 * One page request of a user's history: newest first, optionally only one kind.
 *
 * <pre>{@code
 * ImagePage page = catalog.history(HistoryQuery.of("user-123").withLimit(20));
 * ImagePage next = catalog.history(HistoryQuery.of("user-123").withCursor(page.nextCursor().get()));
 * }</pre>
 *
 * @param userId whose history
 * @param kind only images of this kind, when present (for example {@link ImageKind#EDITED} for the
 *     inpaint history)
 * @param limit page size, 1 to {@value #MAX_LIMIT}
 * @param cursor where the previous page ended ({@link ImagePage#nextCursor()}), when present
 */
public record HistoryQuery(
    String userId, Optional<ImageKind> kind, int limit, Optional<String> cursor) {
  /** The default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest page size. */
  public static final int MAX_LIMIT = 1000;

  /** Validates the fields. */
  public HistoryQuery {
    Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    Objects.requireNonNull(kind, "kind");
    Args.range(limit, "limit", 1, MAX_LIMIT);
    Objects.requireNonNull(cursor, "cursor");
    cursor.ifPresent(c -> Args.identifier(c, "cursor", 512));
  }

  /** The first page of {@code userId}'s history, all kinds, {@value #DEFAULT_LIMIT} per page. */
  public static HistoryQuery of(String userId) {
    return new HistoryQuery(userId, Optional.empty(), DEFAULT_LIMIT, Optional.empty());
  }

  /** This query restricted to one kind. */
  public HistoryQuery withKind(ImageKind kind) {
    return new HistoryQuery(userId, Optional.of(kind), limit, cursor);
  }

  /** This query with another page size. */
  public HistoryQuery withLimit(int limit) {
    return new HistoryQuery(userId, kind, limit, cursor);
  }

  /** This query continuing after {@code cursor}. */
  public HistoryQuery withCursor(String cursor) {
    return new HistoryQuery(userId, kind, limit, Optional.of(cursor));
  }
}
