package io.renderlab.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.renderlab.core.UpstreamException;
import io.renderlab.replicate.internal.ApiCall;
import io.renderlab.replicate.internal.LostCreates;
import io.renderlab.replicate.internal.NoAnswerException;
import io.renderlab.replicate.internal.Transport;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The predictions API of a {@link ReplicateClient}: create, get, cancel, list, and run (create then
 * wait). Thread-safe; obtained from {@link ReplicateClient#predictions()}.
 *
 * <pre>{@code
 * Prediction p = replicate.predictions().run(
 *     PredictionRequest.model("google/nano-banana").put("prompt", "a red bicycle").build(), Duration.ofMinutes(5));
 * }</pre>
 */
public final class Predictions {
  /** The longest {@code Prefer: wait} Replicate accepts. */
  public static final Duration MAX_PREFER_WAIT = Duration.ofSeconds(60);

  /**
   * How long before a lost create was sent a prediction may say it was created and still be taken
   * for it by {@link #findLost} (the two clocks differ).
   */
  public static final Duration LOST_CREATE_WINDOW = Duration.ofMinutes(2);

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Logger LOG = LoggerFactory.getLogger(Predictions.class);

  private final ReplicateClient client;
  private final Transport transport;

  Predictions(ReplicateClient client) {
    this.client = client;
    this.transport = client.transport;
  }

  /**
   * Creates a prediction and returns at once, usually in {@code starting}. Throttled creates (429)
   * are retried after {@code Retry-After}; nothing else is re-sent.
   *
   * @throws ReplicateApiException.AuthenticationException if the token is refused (401/403)
   * @throws ModelInputRejectedException if the input does not fit the model's input schema (checked
   *     before anything is sent; see {@link ReplicateClient.Builder#validateInputs(boolean)})
   * @throws ReplicateApiException.NotFoundException if the model, version or deployment does not
   *     exist
   * @throws ReplicateApiException.ValidationException if the input does not fit the model (422)
   * @throws io.renderlab.core.RateLimitedException if still throttled after the retries
   * @throws PredictionOutcomeUnknownException if the answer was lost (the create is not re-sent)
   */
  public Prediction create(PredictionRequest request) {
    return Transport.join(createAsync(request));
  }

  /**
   * Like {@link #create}, without holding a thread while the request is in flight; the future fails
   * with the exceptions {@code create} throws.
   */
  public CompletableFuture<Prediction> createAsync(PredictionRequest request) {
    return createAsync(request, Optional.empty());
  }

  /**
   * Creates a prediction asking Replicate to hold the answer up to {@code preferWait} (capped at
   * {@link #MAX_PREFER_WAIT}; under one second means no wait) for it to finish. Holds no thread
   * while Replicate holds the request. Fails as {@link #create} does.
   */
  public CompletableFuture<Prediction> createAsync(PredictionRequest request, Duration preferWait) {
    return createAsync(request, Optional.of(Objects.requireNonNull(preferWait, "preferWait")));
  }

  private CompletableFuture<Prediction> createAsync(
      PredictionRequest request, Optional<Duration> preferWait) {
    Objects.requireNonNull(request, "request");
    Optional<Duration> wait =
        preferWait
            .map(w -> w.compareTo(MAX_PREFER_WAIT) > 0 ? MAX_PREFER_WAIT : w)
            .filter(w -> w.toSeconds() >= 1);
    return prepare(request)
        .thenCompose(
            r ->
                send(r, wait)
                    .handle(
                        (p, error) -> {
                          if (error == null) {
                            return CompletableFuture.completedFuture(p);
                          }
                          Throwable cause = unwrap(error);
                          if (cause instanceof ReplicateApiException.NotFoundException
                              && r.kind() == PredictionRequest.TargetKind.MODEL) {
                            return runAsCommunityModel(
                                r, wait, (ReplicateApiException.NotFoundException) cause);
                          }
                          return CompletableFuture.<Prediction>failedFuture(cause);
                        })
                    .thenCompose(f -> f));
  }

  /**
   * Checks the input against the model's schema (unless turned off) and picks the endpoint: a
   * community model's {@code owner/name} goes to its latest version.
   */
  private CompletableFuture<PredictionRequest> prepare(PredictionRequest request) {
    ReplicateModels models = client.models();
    PredictionRequest routed =
        request.kind() == PredictionRequest.TargetKind.MODEL
            ? models.communityVersion(request.target()).map(request::toVersion).orElse(request)
            : request;
    if (!client.validateInputs) {
      return CompletableFuture.completedFuture(routed);
    }
    if (request.kind() == PredictionRequest.TargetKind.VERSION && request.modelName().isEmpty()) {
      LOG.warn(
          "The input of {} was not checked against the model's schema: a bare version id names no"
              + " model (use owner/name:version to have it checked). The create goes ahead.",
          describe(request));
      return CompletableFuture.completedFuture(routed);
    }
    if (request.kind() != PredictionRequest.TargetKind.MODEL) {
      return models
          .inputSchemaAsync(request)
          .handle(
              (schema, error) -> {
                if (error != null) {
                  notChecked(request, error);
                } else {
                  schema.check(request.inputNode());
                }
                return routed;
              });
    }
    return models
        .modelAsync(request.target())
        .handle(
            (info, error) -> {
              if (error != null) {
                notChecked(request, error);
                return routed;
              }
              PredictionRequest r = routed;
              if (info.official().equals(Optional.of(false)) && info.latestVersion().isPresent()) {
                // Not official: the models endpoint would answer 404; run its latest version.
                models.rememberCommunity(request.target(), info.latestVersion().get());
                r = request.toVersion(info.latestVersion().get());
              }
              if (info.schema().isEmpty()) {
                notChecked(
                    request, new IllegalStateException("the model declares no input schema"));
              } else {
                info.schema().get().check(request.inputNode());
              }
              return r;
            });
  }

  private static void notChecked(PredictionRequest request, Throwable error) {
    Throwable cause = unwrap(error);
    LOG.warn(
        "The input of {} was not checked against the model's schema, which could not be read ({}:"
            + " {}). The create goes ahead.",
        describe(request),
        cause.getClass().getSimpleName(),
        cause.getMessage());
  }

  private static String describe(PredictionRequest r) {
    return r.kind().name().toLowerCase(Locale.ROOT)
        + " "
        + r.modelName().filter(m -> !m.equals(r.target())).map(m -> m + ":").orElse("")
        + r.target();
  }

  /**
   * The models endpoint answers 404 for a model that is not official: if the model exists, run its
   * latest version (a 404 started nothing, so sending again is safe) and remember that it is a
   * community model; if it does not, say so.
   */
  private CompletableFuture<Prediction> runAsCommunityModel(
      PredictionRequest request,
      Optional<Duration> wait,
      ReplicateApiException.NotFoundException notFound) {
    String name = request.target();
    if (!transport.uri("/models").getPath().contains("/v1/")) {
      return CompletableFuture.failedFuture(notFound); // a wrong base URL, already said so
    }
    return client
        .models()
        .modelAsync(name)
        .handle(
            (info, error) -> {
              if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof ReplicateApiException.NotFoundException) {
                  ReplicateApiException.NotFoundException missing =
                      (ReplicateApiException.NotFoundException) cause;
                  return CompletableFuture.<Prediction>failedFuture(
                      new ReplicateApiException.NotFoundException(
                          "Replicate has no model "
                              + name
                              + ": GET /models/"
                              + name
                              + " answered 404. Check the owner/name at https://replicate.com/"
                              + name
                              + " (a private model needs a token of its owner's account).",
                          missing.title().orElse(null),
                          missing.detail().orElse(null)));
                }
                notFound.addSuppressed(cause);
                return CompletableFuture.<Prediction>failedFuture(notFound);
              }
              if (info.latestVersion().isEmpty()) {
                return CompletableFuture.<Prediction>failedFuture(notFound);
              }
              client.models().rememberCommunity(name, info.latestVersion().get());
              return send(request.toVersion(info.latestVersion().get()), wait);
            })
        .thenCompose(f -> f);
  }

  /** Sends one create through the rate limit; a lost answer becomes outcome-unknown. */
  private CompletableFuture<Prediction> send(PredictionRequest request, Optional<Duration> wait) {
    String resource = request.kind().name().toLowerCase(Locale.ROOT) + " " + request.target();
    ApiCall call =
        new ApiCall(
            "POST",
            transport.uri(request.path()),
            request.body(),
            wait,
            request.cancelAfterHeader().map(v -> Map.of("Cancel-After", v)).orElse(Map.of()),
            ApiCall.Kind.CREATE,
            "creating a prediction of " + resource,
            resource);
    Duration delay = client.createLimiter.reserve();
    CompletableFuture<Void> slot =
        delay.isZero()
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(
                () -> {},
                CompletableFuture.delayedExecutor(
                    delay.toNanos(), TimeUnit.NANOSECONDS, client.scheduler));
    return slot.thenCompose(
        v -> {
          Instant sentAt = client.clock.instant();
          return transport
              .send(call)
              .handle(
                  (json, error) -> {
                    if (error == null) {
                      return CompletableFuture.completedFuture(Prediction.of(json));
                    }
                    Throwable cause = unwrap(error);
                    if (cause instanceof NoAnswerException) {
                      int status = ((NoAnswerException) cause).statusCode().orElse(0);
                      return CompletableFuture.<Prediction>failedFuture(
                          new PredictionOutcomeUnknownException(
                              request,
                              sentAt,
                              status,
                              cause.getCause() != null ? cause.getCause() : cause));
                    }
                    return CompletableFuture.<Prediction>failedFuture(cause);
                  })
              .thenCompose(f -> f);
        });
  }

  /**
   * Looks for the prediction a create with a lost answer may have started: of the candidates {@link
   * #findLostCandidates(PredictionRequest, Instant)} returns, the one created nearest to the send
   * time. Sends no create.
   *
   * @return the prediction, or empty when none matches (yet)
   * @throws io.renderlab.core.UpstreamException if the list cannot be read
   */
  public Optional<Prediction> findLost(PredictionOutcomeUnknownException lost) {
    return Transport.join(findLostAsync(lost));
  }

  /** Like {@link #findLost}, without blocking. */
  public CompletableFuture<Optional<Prediction>> findLostAsync(
      PredictionOutcomeUnknownException lost) {
    Objects.requireNonNull(lost, "lost");
    Instant sentAt = lost.sentAt();
    return findLostCandidatesAsync(lost.request(), sentAt)
        .thenApply(
            candidates ->
                candidates.stream()
                    .min(
                        Comparator.comparing(
                            (Prediction p) ->
                                p.createdAt()
                                    .map(t -> Duration.between(sentAt, t).abs())
                                    .orElse(Duration.ofDays(365)))));
  }

  /**
   * Every prediction a create whose answer was lost may have started, oldest first, for a caller
   * that pairs several lost creates with their predictions itself. Sends no create.
   *
   * <p>Reads {@code GET /predictions} with {@code created_after} = {@code sentAt} minus {@link
   * #LOST_CREATE_WINDOW} (the two clocks differ) and {@code created_before} = {@code sentAt} plus
   * the longest a create can stay unanswered (the request timeout and the longest {@code Prefer:
   * wait}) plus the window again, page by page until the list ends, however many predictions the
   * account made meanwhile. A candidate:
   *
   * <ul>
   *   <li>was created by the API, not on the website ({@code source} is not {@code web});
   *   <li>ran the same target: the same model ({@code model}), version ({@code version}) or
   *       deployment;
   *   <li>has the same input, with one rule for {@code data:} URIs: a field whose sent value holds
   *       a {@code data:} URI anywhere (a string, or inside an array or object) is not compared,
   *       because Replicate does not echo {@code data:} values back as sent. Every other field must
   *       be present with an equal value (numbers by value: {@code 1} equals {@code 1.0}), and the
   *       echo may hold no other field.
   * </ul>
   *
   * <pre>{@code
   * List<Prediction> candidates = replicate.predictions().findLostCandidates(request, sentAt);
   * }</pre>
   *
   * @param request the create whose answer was lost
   * @param sentAt when it was sent (or a moment before: the time a record of it was written)
   * @return the candidates, oldest first; empty when none matches (yet)
   * @throws io.renderlab.core.UpstreamException if the list cannot be read
   */
  public List<Prediction> findLostCandidates(PredictionRequest request, Instant sentAt) {
    return Transport.join(findLostCandidatesAsync(request, sentAt));
  }

  /** Like {@link #findLostCandidates}, without blocking. */
  public CompletableFuture<List<Prediction>> findLostCandidatesAsync(
      PredictionRequest request, Instant sentAt) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sentAt, "sentAt");
    Instant after = sentAt.minus(LOST_CREATE_WINDOW);
    Instant before =
        sentAt.plus(transport.requestTimeout()).plus(MAX_PREFER_WAIT).plus(LOST_CREATE_WINDOW);
    URI first =
        transport.uri(
            "/predictions?created_after="
                + DateTimeFormatter.ISO_INSTANT.format(after)
                + "&created_before="
                + DateTimeFormatter.ISO_INSTANT.format(before));
    List<Prediction> found = new ArrayList<>();
    return scan(first, request, after, before, found)
        .thenApply(
            v -> {
              found.sort(
                  Comparator.comparing((Prediction p) -> p.createdAt().orElse(Instant.MIN))
                      .thenComparing(Prediction::id));
              return List.copyOf(found);
            });
  }

  private CompletableFuture<Void> scan(
      URI page, PredictionRequest request, Instant after, Instant before, List<Prediction> found) {
    return transport
        .send(
            ApiCall.read(page, "looking for a create whose answer was lost", "list of predictions"))
        .thenCompose(
            body -> {
              for (JsonNode n : body.path("results")) {
                Prediction p = Prediction.of(n);
                // The API filters by the window; checked again in case a proxy ignores the filter.
                boolean inWindow =
                    p.createdAt().map(t -> !t.isBefore(after) && t.isBefore(before)).orElse(true);
                if (inWindow && LostCreates.matches(p, p.node(), request, request.inputNode())) {
                  found.add(p);
                }
              }
              URI next = nextPage(body);
              return next == null
                  ? CompletableFuture.<Void>completedFuture(null)
                  : scan(next, request, after, before, found);
            });
  }

  /**
   * The next page of a list, on this client's base URL: Replicate's {@code next} links are absolute
   * ({@code https://api.replicate.com/v1/predictions?cursor=...}), so behind a proxy only their
   * query (the cursor and the filters) is kept. The token never goes to the link's host.
   */
  private URI nextPage(JsonNode body) {
    JsonNode next = body.path("next");
    if (!next.isTextual() || next.asText().isBlank()) {
      return null;
    }
    String query;
    try {
      query = URI.create(next.asText().strip()).getRawQuery();
    } catch (IllegalArgumentException e) {
      throw new UpstreamException(
          "Replicate sent an unreadable next-page link while listing predictions.", 0, e, false);
    }
    return query == null || query.isBlank() ? null : transport.uri("/predictions?" + query);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  /**
   * The prediction's current state ({@code GET /predictions/{id}}); retried on 429, 5xx and dropped
   * connections.
   *
   * @throws IllegalArgumentException if {@code id} is not a prediction id
   * @throws ReplicateApiException.NotFoundException if there is no such prediction
   */
  public Prediction get(String id) {
    return Transport.join(getAsync(id));
  }

  /** Like {@link #get}, without blocking. */
  public CompletableFuture<Prediction> getAsync(String id) {
    String checked = checkId(id);
    return transport
        .send(
            ApiCall.read(
                transport.uri("/predictions/" + checked),
                "reading prediction " + checked,
                "prediction " + checked))
        .thenApply(Prediction::of);
  }

  /**
   * Asks Replicate to cancel the prediction ({@code POST /predictions/{id}/cancel}) and returns its
   * state after the request (a prediction that already ended is returned as it ended). Repeating a
   * cancel is harmless, so it is retried like a read.
   */
  public Prediction cancel(String id) {
    return Transport.join(cancelAsync(id));
  }

  /** Like {@link #cancel}, without blocking. */
  public CompletableFuture<Prediction> cancelAsync(String id) {
    String checked = checkId(id);
    ApiCall call =
        new ApiCall(
            "POST",
            transport.uri("/predictions/" + checked + "/cancel"),
            null,
            Optional.empty(),
            Map.of(),
            ApiCall.Kind.CANCEL,
            "canceling prediction " + checked,
            "prediction " + checked);
    return transport.send(call).thenApply(Prediction::of);
  }

  /**
   * A handle on an existing prediction (one from {@link #create} or a webhook), to poll, await or
   * cancel it.
   */
  public PredictionOperation operation(Prediction prediction) {
    return new PredictionOperation(client, this, Objects.requireNonNull(prediction, "prediction"));
  }

  /**
   * Creates a prediction and waits for it to end, canceling it if {@code timeout} passes first.
   * Asks Replicate to answer only when the prediction ends ({@code Prefer: wait}, up to 60 s), then
   * polls with a growing interval: a prediction that ends within a minute costs one request and is
   * seen the moment it ends.
   *
   * @throws PredictionFailedException if it ends failed, canceled or aborted
   * @throws PredictionTimeoutException if it is still running at the deadline (it is then canceled)
   * @throws PredictionOutcomeUnknownException if the create's answer was lost and {@link #findLost}
   *     did not find the prediction it may have started (the create is never re-sent)
   * @throws ReplicateApiException for errors Replicate answered (auth, not found, validation)
   */
  public Prediction run(PredictionRequest request, Duration timeout) {
    return Transport.join(runAsync(request, timeout));
  }

  /**
   * Like {@link #run} (canceling the prediction if {@code timeout} passes first), without holding a
   * thread while waiting; the future fails with the exceptions {@code run} throws. To leave it
   * running at the deadline, {@link #createAsync(PredictionRequest, Duration)} it and wait with
   * {@link #operation}{@code .future(timeout)}.
   */
  public CompletableFuture<Prediction> runAsync(PredictionRequest request, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    Instant deadline = client.clock.instant().plus(timeout);
    return createAsync(request, Optional.of(timeout))
        .handle(
            (created, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(created);
              }
              Throwable cause = unwrap(error);
              if (!(cause instanceof PredictionOutcomeUnknownException)) {
                return CompletableFuture.<Prediction>failedFuture(cause);
              }
              // The create may have started a prediction: look for it instead of sending it again.
              PredictionOutcomeUnknownException lost = (PredictionOutcomeUnknownException) cause;
              return findLostAsync(lost)
                  .handle(
                      (found, lookupError) -> {
                        if (found != null && found.isPresent()) {
                          return found.get();
                        }
                        if (lookupError != null) {
                          lost.addSuppressed(unwrap(lookupError));
                        }
                        throw lost;
                      });
            })
        .thenCompose(f -> f)
        .thenCompose(p -> operation(p).until(deadline, timeout, true));
  }

  /**
   * Every prediction of the account, newest first, fetched a page at a time as it is iterated
   * (nothing is fetched before the first {@code hasNext()}). Each page is retried like a read. The
   * cursor of Replicate's absolute {@code next} links is followed on this client's base URL (so
   * listing works behind a proxy), and the token is never sent to the link's own host.
   */
  public Iterable<Prediction> list() {
    return () ->
        new Iterator<>() {
          private final Deque<Prediction> page = new ArrayDeque<>();
          private URI next = transport.uri("/predictions");

          @Override
          public boolean hasNext() {
            while (page.isEmpty() && next != null) {
              JsonNode body =
                  Transport.join(
                      transport.send(
                          ApiCall.read(next, "listing predictions", "list of predictions")));
              body.path("results").forEach(n -> page.add(Prediction.of(n)));
              next = nextPage(body);
            }
            return !page.isEmpty();
          }

          @Override
          public Prediction next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return page.poll();
          }
        };
  }

  private static String checkId(String id) {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "id must be a prediction id (letters, digits, '-' or '_'), was '" + id + "'");
    }
    return id;
  }

  @Override
  public String toString() {
    return "Predictions{" + transport.baseUrl() + '}';
  }
}
