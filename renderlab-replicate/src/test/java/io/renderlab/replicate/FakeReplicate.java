package io.renderlab.replicate;

import mockwebserver3.MockResponse;

/**
 * Bodies shaped exactly as Replicate's API returns them: the field set and order of a recorded
 * {@code POST /v1/models/{owner}/{name}/predictions} answer in replicate-python's test cassettes
 * (201 Created, {@code Preference-Applied: wait=N}), the {@code Prediction} type of
 * replicate-javascript's {@code index.d.ts} (with {@code aborted}), and RFC 7807 problems as
 * replicate-python's {@code ReplicateError} reads them ({@code title}, {@code detail}, {@code
 * status}; 422 adds {@code invalid_fields}).
 */
final class FakeReplicate {
  private FakeReplicate() {}

  static boolean terminal(String status) {
    return status.equals("succeeded")
        || status.equals("failed")
        || status.equals("canceled")
        || status.equals("aborted");
  }

  /**
   * A prediction body; {@code output} is raw JSON or {@code null}, {@code error} and {@code logs}
   * plain text.
   */
  static String prediction(
      String base, String id, String status, String output, String error, String logs) {
    boolean done = terminal(status);
    return "{"
        + "\"id\":\""
        + id
        + "\","
        + "\"model\":\"google/nano-banana\","
        + "\"version\":\"hidden\","
        + "\"input\":{\"prompt\":\"modern architecture\"},"
        + "\"logs\":"
        + json(logs == null ? "" : logs)
        + ","
        + "\"output\":"
        + (output == null ? "null" : output)
        + ","
        + "\"data_removed\":false,"
        + "\"error\":"
        + json(error)
        + ","
        + "\"status\":\""
        + status
        + "\","
        + "\"created_at\":\"2025-11-14T10:00:00.123Z\","
        + (status.equals("starting") ? "" : "\"started_at\":\"2025-11-14T10:00:01.456789Z\",")
        + (done ? "\"completed_at\":\"2025-11-14T10:00:04.25Z\"," : "")
        + "\"urls\":{"
        + "\"cancel\":\""
        + base
        + "/predictions/"
        + id
        + "/cancel\","
        + "\"get\":\""
        + base
        + "/predictions/"
        + id
        + "\","
        + "\"stream\":\"https://stream.replicate.com/v1/files/bcwr-3okdfv3o2wehstv5f2okyftwxy57hhypqsi6osiim5iaq5yzgvmq\","
        + "\"web\":\"https://replicate.com/p/"
        + id
        + "\"}"
        + (done ? ",\"metrics\":{\"predict_time\":2.71,\"total_time\":4.12}" : "")
        + "}";
  }

  /** The answer to a create: 201 Created, {@code Preference-Applied} when a wait was asked for. */
  static MockResponse created(String body, String preferenceApplied) {
    MockResponse.Builder b =
        new MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "application/json; charset=UTF-8")
            .body(body);
    if (preferenceApplied != null) {
      b.addHeader("Preference-Applied", preferenceApplied);
    }
    return b.build();
  }

  /** The answer to a get, cancel or list: 200. */
  static MockResponse ok(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json; charset=UTF-8")
        .body(body)
        .build();
  }

  /** An RFC 7807 problem. */
  static MockResponse problem(int status, String title, String detail) {
    return problemWith(
        status,
        "{\"title\":"
            + json(title)
            + ",\"detail\":"
            + json(detail)
            + ",\"status\":"
            + status
            + "}");
  }

  static MockResponse problemWith(int status, String body) {
    return new MockResponse.Builder()
        .code(status)
        .addHeader("Content-Type", "application/problem+json")
        .body(body)
        .build();
  }

  static MockResponse unauthenticated() {
    return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
  }

  static MockResponse notFound() {
    return problem(404, "Not found", "The requested resource could not be found.");
  }

  static MockResponse invalidInput() {
    return problemWith(
        422,
        "{\"title\":\"Input validation failed\",\"detail\":\"- input.prompt: Invalid type. Expected: string, given: integer\\n\","
            + "\"status\":422,\"invalid_fields\":[{\"type\":\"invalid_type\",\"field\":\"input.prompt\","
            + "\"description\":\"Invalid type. Expected: string, given: integer\"}]}");
  }

  static MockResponse throttled(String retryAfter) {
    return new MockResponse.Builder()
        .code(429)
        .addHeader("Content-Type", "application/problem+json")
        .addHeader("Retry-After", retryAfter)
        .body(
            "{\"title\":\"Request was throttled\",\"detail\":\"Request was throttled. Expected available in "
                + retryAfter
                + " second.\",\"status\":429}")
        .build();
  }

  static MockResponse unavailable() {
    return problem(
        503, "Service Unavailable", "The service is temporarily unavailable. Please try again.");
  }

  static String json(String s) {
    return s == null
        ? "null"
        : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
