package io.renderlab.core;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names of the catalog's tables: {@code images}, {@code generations}, {@code thumbnail_jobs}
 * and the schema history {@code renderlab_schema_history}, each with an optional prefix and in an
 * optional schema, so that the catalog fits beside a host's own tables. Immutable and thread-safe.
 *
 * <p>The prefix goes before every table and index name the catalog creates ({@code rl_} gives
 * {@code rl_images}, {@code rl_images_user_history}); the schema qualifies every table ({@code
 * renderlab.rl_images}). {@link #defaults()} is no prefix and no schema (the connection's current
 * one): the names of every version before this option existed, so existing databases keep working.
 *
 * <pre>{@code
 * JdbcImageCatalog catalog = JdbcImageCatalog.builder()
 *     .dataSource(dataSource)
 *     .tableNames(TableNames.builder().prefix("rl_").schema("renderlab").build())
 *     .build();
 * }</pre>
 *
 * <p>Both are identifiers, never quoted in SQL: letters, digits and underscores, not starting with
 * a digit, compared and stored in lower case (as PostgreSQL folds unquoted names). Anything else is
 * refused, so no SQL can pass through them.
 */
public final class TableNames {
  /** The longest prefix: PostgreSQL names have at most 63 characters, our longest suffix 26. */
  public static final int MAX_PREFIX_LENGTH = 30;

  /** The longest schema name (PostgreSQL's identifier limit). */
  public static final int MAX_SCHEMA_LENGTH = 63;

  /** The placeholder of the prefix in the shipped SQL scripts (Flyway syntax {@code ${…}}). */
  public static final String PREFIX_PLACEHOLDER = "renderlab_prefix";

  /**
   * The placeholder in the shipped SQL scripts that qualifies each table name: empty, or the schema
   * followed by a dot.
   */
  public static final String QUALIFIER_PLACEHOLDER = "renderlab_qualifier";

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final TableNames DEFAULTS = new TableNames("", null);

  private final String prefix;
  private final String schema;

  private TableNames(String prefix, String schema) {
    this.prefix = prefix;
    this.schema = schema;
  }

  /** No prefix, no schema: {@code images}, {@code generations}, {@code thumbnail_jobs}. */
  public static TableNames defaults() {
    return DEFAULTS;
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these names. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.prefix = prefix;
    b.schema = schema;
    return b;
  }

  /** The prefix of every table and index name, in lower case; empty for none. */
  public String prefix() {
    return prefix;
  }

  /** The schema of the tables, in lower case; empty for the connection's current schema. */
  public Optional<String> schema() {
    return Optional.ofNullable(schema);
  }

  /** The images table as SQL names it ({@code images}, {@code renderlab.rl_images}). */
  public String images() {
    return qualified("images");
  }

  /** The generations table as SQL names it. */
  public String generations() {
    return qualified("generations");
  }

  /** The thumbnail jobs table as SQL names it. */
  public String thumbnailJobs() {
    return qualified("thumbnail_jobs");
  }

  /** The table in which {@code migrate()} records the applied schema versions. */
  public String schemaHistory() {
    return qualified("renderlab_schema_history");
  }

  /**
   * The values of the placeholders of the shipped SQL scripts ({@code renderlab_prefix}, {@code
   * renderlab_qualifier}) for these names: pass them to Flyway ({@code
   * Flyway.configure().placeholders(names.placeholders())}) or as Liquibase changelog parameters.
   */
  public Map<String, String> placeholders() {
    return Map.of(
        PREFIX_PLACEHOLDER, prefix, QUALIFIER_PLACEHOLDER, schema == null ? "" : schema + ".");
  }

  private String qualified(String table) {
    return (schema == null ? "" : schema + ".") + prefix + table;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TableNames t && prefix.equals(t.prefix) && Objects.equals(schema, t.schema);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, schema);
  }

  @Override
  public String toString() {
    return "TableNames{prefix=" + prefix + ", schema=" + (schema == null ? "" : schema) + '}';
  }

  /** Builds {@link TableNames}. Not thread-safe. */
  public static final class Builder {
    private String prefix = "";
    private String schema;

    private Builder() {}

    /**
     * The prefix of every table and index name ({@code "rl_"}); empty for none (the default).
     *
     * @throws IllegalArgumentException if it is longer than 30 characters, or not letters, digits
     *     and underscores starting with a letter or underscore
     */
    public Builder prefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      this.prefix =
          prefix.isEmpty() ? "" : check(prefix, "prefix", MAX_PREFIX_LENGTH, "rl_ or renderlab_");
      return this;
    }

    /**
     * The schema of the tables ({@code "renderlab"}); empty for the connection's current schema
     * (the default). {@code migrate()} creates it when missing.
     *
     * @throws IllegalArgumentException if it is longer than 63 characters, or not letters, digits
     *     and underscores starting with a letter or underscore
     */
    public Builder schema(String schema) {
      Objects.requireNonNull(schema, "schema");
      this.schema =
          schema.isEmpty() ? null : check(schema, "schema", MAX_SCHEMA_LENGTH, "renderlab");
      return this;
    }

    /** The names. */
    public TableNames build() {
      return prefix.isEmpty() && schema == null ? DEFAULTS : new TableNames(prefix, schema);
    }

    private static String check(String value, String name, int max, String example) {
      String lower = value.toLowerCase(Locale.ROOT);
      if (value.length() > max || !IDENTIFIER.matcher(lower).matches()) {
        throw new IllegalArgumentException(
            "Table "
                + name
                + " must be 1 to "
                + max
                + " letters, digits or underscores, not starting with a digit (such as "
                + example
                + "), was \""
                + printable(value)
                + "\"");
      }
      return lower;
    }

    private static String printable(String value) {
      StringBuilder out = new StringBuilder();
      for (char ch : value.substring(0, Math.min(value.length(), 80)).toCharArray()) {
        out.append(Character.isISOControl(ch) ? '?' : ch);
      }
      return value.length() > 80 ? out + "…" : out.toString();
    }
  }
}
