package io.renderlab.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TableNamesTest {
  @Test
  void defaultsAreTheNamesOfEveryEarlierVersion() {
    TableNames names = TableNames.defaults();

    assertThat(names.images()).isEqualTo("images");
    assertThat(names.generations()).isEqualTo("generations");
    assertThat(names.thumbnailJobs()).isEqualTo("thumbnail_jobs");
    assertThat(names.schemaHistory()).isEqualTo("renderlab_schema_history");
    assertThat(names.prefix()).isEmpty();
    assertThat(names.schema()).isEmpty();
    assertThat(names.placeholders())
        .isEqualTo(Map.of("renderlab_prefix", "", "renderlab_qualifier", ""));
    assertThat(TableNames.builder().prefix("").schema("").build()).isSameAs(names);
  }

  @Test
  void prefixAndSchemaQualifyEveryTableInLowerCase() {
    TableNames names = TableNames.builder().prefix("RL_").schema("RenderLab").build();

    assertThat(names.images()).isEqualTo("renderlab.rl_images");
    assertThat(names.generations()).isEqualTo("renderlab.rl_generations");
    assertThat(names.thumbnailJobs()).isEqualTo("renderlab.rl_thumbnail_jobs");
    assertThat(names.schemaHistory()).isEqualTo("renderlab.rl_renderlab_schema_history");
    assertThat(names.placeholders())
        .isEqualTo(Map.of("renderlab_prefix", "rl_", "renderlab_qualifier", "renderlab."));
    assertThat(names).isEqualTo(TableNames.builder().prefix("rl_").schema("renderlab").build());
    assertThat(names.toBuilder().schema("").build().images()).isEqualTo("rl_images");
  }

  @Test
  void refusesAnythingButAnIdentifier() {
    for (String hostile :
        new String[] {
          "rl; DROP TABLE images; --",
          "rl_\"",
          "rl.",
          "rl ",
          "1rl_",
          "rl-",
          "ré_",
          "rl\n",
          "a".repeat(31)
        }) {
      assertThatThrownBy(() -> TableNames.builder().prefix(hostile))
          .as(hostile)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Table prefix must be 1 to 30 letters, digits or underscores")
          .hasMessageNotContaining("\n");
    }
    assertThatThrownBy(() -> TableNames.builder().schema("public; DROP SCHEMA public"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Table schema must be 1 to 63");
    assertThatThrownBy(() -> TableNames.builder().schema("a".repeat(64)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TableNames.builder().prefix(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("prefix");
  }

  @Test
  void acceptsTheNearestGoodIdentifiers() {
    assertThat(TableNames.builder().prefix("_").build().images()).isEqualTo("_images");
    assertThat(TableNames.builder().prefix("a".repeat(30)).build().prefix()).hasSize(30);
    assertThat(TableNames.builder().prefix("rl2_").build().prefix()).isEqualTo("rl2_");
    assertThat(TableNames.builder().schema("a".repeat(63)).build().schema()).isPresent();
    assertThat(TableNames.builder().schema("_tenant_7").build().thumbnailJobs())
        .isEqualTo("_tenant_7.thumbnail_jobs");
  }
}
