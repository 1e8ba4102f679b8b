package io.renderlab.server;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What a user may spend, checked before anything reaches Replicate.
 *
 * <ul>
 *   <li>Models: only those of the allow-list ({@code owner/name} or {@code owner/*}); a request
 *       that names no model runs the pipeline's default, which is always allowed.
 *   <li>Collections: at most {@code maxCollectionPrompts} prompts.
 *   <li>Predictions in flight per user: a generation or an edit counts 1, a collection of N counts
 *       N; past the cap, 429 with {@code Retry-After}. Counted in the database (the user's
 *       unfinished generations, in every instance and across restarts) and in this process (its
 *       requests whose generations are not written yet); instances that admit the same user at the
 *       same moment can together exceed the cap by what each admitted in that moment.
 *   <li>Optionally, predictions per user per UTC day; past it, 429 until midnight UTC.
 * </ul>
 *
 * <p>Memory is bounded: a user is tracked only while something of theirs is in flight, and the
 * daily counts only for the current day. The daily count lives in memory, so a restart resets it.
 * Thread-safe.
 */
final class CostControls {
  /** owner/name, owner/name:version, a bare version id (64 hex), or owner/*. */
  private static final Pattern ENTRY =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9_.\\-]*/(\\*|[A-Za-z0-9][A-Za-z0-9_.\\-]*(:[0-9a-fA-F]{64})?)"
              + "|[0-9a-fA-F]{64}");

  /** What a request may name: owner/name, owner/name:version or a bare version id. */
  private static final Pattern MODEL =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9_.\\-]*/[A-Za-z0-9][A-Za-z0-9_.\\-]*(:[0-9a-fA-F]{64})?"
              + "|[0-9a-fA-F]{64}");

  private final List<String> models;
  private final int maxInFlight;
  private final int maxCollectionPrompts;
  private final int dailyQuota;
  private final Clock clock;
  private final java.util.function.ToIntFunction<String> unfinished;
  private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Integer> today = new ConcurrentHashMap<>();
  private volatile LocalDate day;

  CostControls(
      List<String> models, int maxInFlight, int maxCollectionPrompts, int dailyQuota, Clock clock) {
    this(models, maxInFlight, maxCollectionPrompts, dailyQuota, clock, user -> 0);
  }

  /**
   * @param unfinished a user's generations not yet ended in the database, in every instance (see
   *     {@link io.renderlab.core.GenerationStore#countUnfinished}): counted against the in-flight
   *     cap with this process's own
   */
  CostControls(
      List<String> models,
      int maxInFlight,
      int maxCollectionPrompts,
      int dailyQuota,
      Clock clock,
      java.util.function.ToIntFunction<String> unfinished) {
    this.unfinished = Objects.requireNonNull(unfinished, "unfinished");
    this.models = List.copyOf(models);
    this.maxInFlight = maxInFlight;
    this.maxCollectionPrompts = maxCollectionPrompts;
    this.dailyQuota = dailyQuota;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
  }

  /**
   * Parses an allow-list: comma-separated {@code owner/name} or {@code owner/*}.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  static List<String> parseModels(String csv) {
    Objects.requireNonNull(csv, "models");
    List<String> out = new ArrayList<>();
    for (String raw : csv.split(",")) {
      String entry = raw.strip();
      if (entry.isEmpty()) {
        continue;
      }
      if (!ENTRY.matcher(entry).matches()) {
        throw new IllegalArgumentException(
            "models: '"
                + entry
                + "' is none of owner/name, owner/name:VERSION, a version id or owner/*");
      }
      out.add(entry.toLowerCase(Locale.ROOT));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "models: the list is empty; name at least one owner/name or owner/*");
    }
    return out;
  }

  List<String> models() {
    return models;
  }

  /** Refuses (403) a model that is not on the allow-list; no model means the default, allowed. */
  void checkModel(Optional<String> model) {
    if (model.isEmpty()) {
      return;
    }
    String m = model.get().strip();
    if (!MODEL.matcher(m).matches()) {
      throw ApiError.badRequest(
          "field 'model' must be owner/name, owner/name:VERSION or a version id");
    }
    String lower = m.toLowerCase(Locale.ROOT);
    // A version of an allowed model is allowed; a bare version id only when listed itself.
    String name = lower.contains(":") ? lower.substring(0, lower.indexOf(':')) : lower;
    String owner = name.contains("/") ? name.substring(0, name.indexOf('/')) : null;
    for (String allowed : models) {
      if (allowed.equals(lower)
          || allowed.equals(name)
          || (owner != null && allowed.equals(owner + "/*"))) {
        return;
      }
    }
    throw new ApiError(
        403,
        "model " + m + " is not enabled on this server; allowed: " + String.join(", ", models));
  }

  /** Refuses (400) a collection larger than this server runs at all. */
  void checkCollection(int prompts) {
    if (prompts > maxCollectionPrompts) {
      throw ApiError.badRequest(
          "a collection holds at most " + maxCollectionPrompts + " prompts, got " + prompts);
    }
  }

  /**
   * How many of a blocking collection's predictions run at once: at most {@code concurrency}, and
   * never more than a user may have in flight (the rest wait their turn inside the request).
   */
  int collectionConcurrency(int prompts, int concurrency) {
    return Math.max(1, Math.min(prompts, Math.min(concurrency, maxInFlight)));
  }

  /**
   * Refuses (400) an async collection, whose predictions all start at once, larger than the
   * in-flight cap.
   */
  void checkAllAtOnce(int prompts) {
    if (prompts > maxInFlight) {
      throw ApiError.badRequest(
          "a collection of "
              + prompts
              + " prompts needs "
              + prompts
              + " predictions in flight, but a user may have at most "
              + maxInFlight
              + " (--max-generations-per-user)");
    }
  }

  /** Predictions held for a request; {@link #close()} gives them back. */
  interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Reserves {@code predictions} of the user's in-flight cap and daily quota.
   *
   * @throws ApiError 429 with {@code Retry-After} when either is exhausted
   */
  Permit acquire(String user, int predictions) {
    if (predictions < 1) {
      throw new IllegalArgumentException("predictions must be positive");
    }
    // The database holds every instance's generations, those a restart left and this process's
    // own once their rows are written; this process's permits also cover generations whose rows
    // are not written yet. The larger of the two is what the user has in flight, as far as it can
    // be known without a lock across instances.
    int durable = unfinished.applyAsInt(user);
    boolean[] admitted = {false};
    inFlight.compute(
        user,
        (u, held) -> {
          int now = held == null ? 0 : held;
          if (Math.max(now, durable) + predictions > maxInFlight) {
            return held;
          }
          admitted[0] = true;
          return now + predictions;
        });
    if (!admitted[0]) {
      throw new ApiError(
          429,
          "too many generations at once for this user (at most "
              + maxInFlight
              + " predictions in flight); retry shortly",
          Duration.ofSeconds(5));
    }
    try {
      chargeDaily(user, predictions);
    } catch (RuntimeException e) {
      release(user, predictions);
      throw e;
    }
    boolean[] closed = {false};
    return () -> {
      synchronized (closed) {
        if (closed[0]) {
          return;
        }
        closed[0] = true;
      }
      release(user, predictions);
    };
  }

  private void chargeDaily(String user, int predictions) {
    if (dailyQuota <= 0) {
      return;
    }
    LocalDate now = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    if (!now.equals(day)) {
      synchronized (this) {
        if (!now.equals(day)) {
          today.clear(); // yesterday's counts: forgotten, so memory holds one day of users
          day = now;
        }
      }
    }
    boolean[] admitted = {false};
    today.compute(
        user,
        (u, used) -> {
          int n = used == null ? 0 : used;
          if (n + predictions > dailyQuota) {
            return used;
          }
          admitted[0] = true;
          return n + predictions;
        });
    if (!admitted[0]) {
      Duration untilMidnight =
          Duration.between(
              clock.instant(), now.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
      throw new ApiError(
          429,
          "daily quota of "
              + dailyQuota
              + " predictions used up for this user; it resets at 00:00 UTC",
          untilMidnight);
    }
  }

  private void release(String user, int predictions) {
    inFlight.computeIfPresent(
        user, (u, held) -> held - predictions <= 0 ? null : held - predictions);
  }

  /** Users with something in flight (for tests and health). */
  int trackedUsers() {
    return inFlight.size();
  }

  /** Users with a count for today. */
  int usersToday() {
    return today.size();
  }
}
