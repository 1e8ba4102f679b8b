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
 * <p>Immutable; a class rather than a record so that it can gain filters without breaking callers.
 * Equal when every field is equal.
 */
public final class HistoryQuery {
  /** The default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest page size. */
  public static final int MAX_LIMIT = 1000;

  private final String userId;
  private final Optional<ImageKind> kind;
  private final int limit;
  private final Optional<String> cursor;

  private HistoryQuery(
      String userId, Optional<ImageKind> kind, int limit, Optional<String> cursor) {
    Args.identifier(userId, "userId", ImageRecord.MAX_ID_LENGTH);
    Objects.requireNonNull(kind, "kind");
    Args.range(limit, "limit", 1, MAX_LIMIT);
    Objects.requireNonNull(cursor, "cursor");
    cursor.ifPresent(c -> Args.identifier(c, "cursor", 512));
    this.userId = userId;
    this.kind = kind;
    this.limit = limit;
    this.cursor = cursor;
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

  /** Whose history. */
  public String userId() {
    return userId;
  }

  /**
   * Only images of this kind, when present (for example {@link ImageKind#EDITED} for the inpaint
   * history).
   */
  public Optional<ImageKind> kind() {
    return kind;
  }

  /** The page size, 1 to {@value #MAX_LIMIT}. */
  public int limit() {
    return limit;
  }

  /** Where the previous page ended ({@link ImagePage#nextCursor()}), when present. */
  public Optional<String> cursor() {
    return cursor;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HistoryQuery)) {
      return false;
    }
    HistoryQuery other = (HistoryQuery) o;
    return userId.equals(other.userId)
        && kind.equals(other.kind)
        && limit == other.limit
        && cursor.equals(other.cursor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, kind, limit, cursor);
  }

  @Override
  public String toString() {
    return "HistoryQuery[userId="
        + userId
        + ", kind="
        + kind
        + ", limit="
        + limit
        + ", cursor="
        + cursor
        + ']';
  }
}
