package io.renderlab.pipeline;

/** Replicate's prediction JSON, as its API returns it. */
final class FakeJson {
  private FakeJson() {}

  static String prediction(
      String base, String id, String status, String output, String error, String logs) {
    return "{\"id\":\""
        + id
        + "\",\"model\":\"google/nano-banana\",\"version\":\"hidden\","
        + "\"input\":{},\"logs\":\""
        + logs.replace("\n", "\\n")
        + "\",\"output\":"
        + output
        + ","
        + "\"data_removed\":false,\"error\":"
        + (error == null ? "null" : "\"" + error + "\"")
        + ","
        + "\"status\":\""
        + status
        + "\",\"created_at\":\"2025-11-14T10:00:00.1Z\",\"started_at\":\"2025-11-14T10:00:01Z\","
        + "\"completed_at\":\"2025-11-14T10:00:03Z\",\"urls\":{\"get\":\""
        + base
        + "/predictions/"
        + id
        + "\","
        + "\"cancel\":\""
        + base
        + "/predictions/"
        + id
        + "/cancel\"},\"metrics\":{\"predict_time\":2.1}}";
  }
}
