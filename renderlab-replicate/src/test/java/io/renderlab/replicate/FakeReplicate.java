package io.renderlab.replicate;

/** JSON bodies shaped exactly as Replicate's API returns them (from its OpenAPI schema and docs). */
final class FakeReplicate {
  private FakeReplicate() {}

  static String prediction(String base, String id, String status, String output, String error, String logs) {
    boolean done = status.equals("succeeded") || status.equals("failed") || status.equals("canceled") || status.equals("aborted");
    return "{"
        + "\"id\":\"" + id + "\","
        + "\"model\":\"google/nano-banana\","
        + "\"version\":\"hidden\","
        + "\"input\":{\"prompt\":\"modern architecture\"},"
        + "\"logs\":" + json(logs) + ","
        + "\"output\":" + (output == null ? "null" : output) + ","
        + "\"data_removed\":false,"
        + "\"error\":" + json(error) + ","
        + "\"status\":\"" + status + "\","
        + "\"source\":\"api\","
        + "\"created_at\":\"2025-11-14T10:00:00.123456Z\","
        + "\"started_at\":" + (status.equals("starting") ? "null" : "\"2025-11-14T10:00:01.5Z\"") + ","
        + "\"completed_at\":" + (done ? "\"2025-11-14T10:00:04.25Z\"" : "null") + ","
        + "\"urls\":{"
        + "\"cancel\":\"" + base + "/predictions/" + id + "/cancel\","
        + "\"get\":\"" + base + "/predictions/" + id + "\","
        + "\"stream\":\"https://stream.replicate.com/v1/files/abc\","
        + "\"web\":\"https://replicate.com/p/" + id + "\"},"
        + "\"metrics\":" + (done ? "{\"predict_time\":2.71,\"total_time\":4.12}" : "{}")
        + "}";
  }

  static String problem(int status, String title, String detail) {
    return "{\"type\":\"https://replicate.com/docs/errors\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
  }

  private static String json(String s) {
    return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
