package io.renderlab.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValueTest {
  private static final String PREDICTION =
      "{\"id\":\"p1\",\"model\":\"google/nano-banana\",\"status\":\"succeeded\","
          + "\"input\":{\"prompt\":\"a red bicycle\",\"image_input\":[\"https://x.test/a.png?X-Amz-Signature=s3cr3t\"]},"
          + "\"output\":[\"https://replicate.delivery/a.png\",\"https://replicate.delivery/b.png\"],"
          + "\"metrics\":{\"predict_time\":2.5},\"logs\":\"\",\"error\":null}";

  @Test
  void typedAccessorsReadEachKindAndSayEmptyForAnother() {
    JsonValue v =
        JsonValue.parse("{\"s\":\"x\",\"n\":3,\"d\":1.5,\"b\":true,\"a\":[1,\"y\"],\"z\":null}");

    assertThat(v.kind()).isEqualTo(JsonValue.Kind.OBJECT);
    assertThat(v.size()).isEqualTo(6);
    assertThat(v.get("s").flatMap(JsonValue::asString)).contains("x");
    assertThat(v.get("n").flatMap(JsonValue::asNumber)).contains(3);
    assertThat(v.get("d").flatMap(JsonValue::asNumber)).contains(1.5);
    assertThat(v.get("b").flatMap(JsonValue::asBoolean)).contains(true);
    assertThat(v.get("a").flatMap(JsonValue::asList).orElseThrow())
        .containsExactly(JsonValue.of(1), JsonValue.of("y"));
    assertThat(v.get("z")).contains(JsonValue.NULL);
    assertThat(v.get("missing")).isEmpty();
    assertThat(v.get("s").flatMap(JsonValue::asNumber)).isEmpty();
    assertThat(v.get("n").flatMap(JsonValue::asString)).isEmpty();
    assertThat(v.asList()).isEmpty();
    assertThat(v.asMap().orElseThrow().keySet()).containsExactly("s", "n", "d", "b", "a", "z");
    assertThat(JsonValue.of("x").get("s")).isEmpty();
  }

  @Test
  @SuppressWarnings("unchecked")
  void toJavaIsPlainJavaInFieldOrderWithNulls() {
    Object java = JsonValue.parse("{\"b\":[1,null,{\"c\":false}],\"a\":\"t\"}").toJava();

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", Arrays.asList(1, null, Map.of("c", false)));
    expected.put("a", "t");
    assertThat(java).isEqualTo(expected);
    assertThat(((Map<String, ?>) java).keySet()).containsExactly("b", "a");
    assertThatThrownBy(() -> ((Map<String, Object>) java).put("x", 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void ofTakesPlainJavaAndRefusesOtherTypesNamingThePath() {
    JsonValue v =
        JsonValue.of(Map.of("list", List.of(1, "two", true), "none", new LinkedHashMap<>()));
    assertThat(v).isEqualTo(JsonValue.parse("{\"list\":[1,\"two\",true],\"none\":{}}"));
    assertThat(JsonValue.of(null)).isEqualTo(JsonValue.NULL);
    assertThat(JsonValue.of(new String[] {"a"})).isEqualTo(JsonValue.parse("[\"a\"]"));

    assertThatThrownBy(() -> JsonValue.of(Map.of("when", new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value.when")
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void parseRefusesTextThatIsNotJson() {
    assertThatThrownBy(() -> JsonValue.parse("{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsonValue.parse("")).isInstanceOf(IllegalArgumentException.class);
    assertThat(JsonValue.parse(" 12 ")).isEqualTo(JsonValue.of(12));
  }

  @Test
  void rawJsonRoundTripsAndToStringRedactsSignedUrls() throws Exception {
    JsonValue v = JsonValue.parse(PREDICTION);

    assertThat(JsonValue.parse(v.rawJson())).isEqualTo(v);
    assertThat(new ObjectMapper().readTree(v.rawJson()))
        .isEqualTo(new ObjectMapper().readTree(PREDICTION));
    assertThat(v.toString())
        .contains("a red bicycle")
        .contains("https://x.test/a.png?…")
        .doesNotContain("s3cr3t");
  }

  @Test
  void aPlainObjectMapperSerialisesValuesAndPredictionsAsTheJsonTheyHold() throws Exception {
    ObjectMapper host = new ObjectMapper();
    Prediction p = Prediction.parse(PREDICTION);

    assertThat(host.readTree(host.writeValueAsString(p))).isEqualTo(host.readTree(PREDICTION));
    assertThat(host.readTree(host.writeValueAsString(p.output())))
        .isEqualTo(host.readTree(p.output().rawJson()));
    assertThat(host.writeValueAsString(JsonValue.NULL)).isEqualTo("null");
    assertThat(host.writeValueAsString(Map.of("kept", p.metrics())))
        .isEqualTo("{\"kept\":{\"predict_time\":2.5}}");
  }

  @Test
  void predictionViewsAreJsonValuesAndARequestTakesOne() {
    Prediction p = Prediction.parse(PREDICTION);

    assertThat(p.outputUrls())
        .containsExactly("https://replicate.delivery/a.png", "https://replicate.delivery/b.png");
    assertThat(p.output().asList().orElseThrow()).hasSize(2);
    assertThat(p.input().get("prompt").flatMap(JsonValue::asString)).contains("a red bicycle");

    PredictionRequest r =
        PredictionRequest.model("google/nano-banana").input(p.input()).put("seed", 7).build();
    assertThat(r.input())
        .isEqualTo(
            JsonValue.parse(
                "{\"prompt\":\"a red bicycle\","
                    + "\"image_input\":[\"https://x.test/a.png?X-Amz-Signature=s3cr3t\"],\"seed\":7}"));
    assertThatThrownBy(() -> PredictionRequest.model("a/b").input(JsonValue.of("text")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON object");
    assertThatThrownBy(() -> Prediction.parse("{\"status\":\"starting\"}"))
        .hasMessageContaining("no id");
  }
}
