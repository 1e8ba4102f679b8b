package io.renderlab.storage;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.Redaction;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a store from a URL, the form the CLI and configuration files use:
 *
 * <ul>
 *   <li>{@code file:///absolute/folder}: a {@link FolderImageStore};
 *   <li>{@code s3://BUCKET?endpoint=http://host:port&region=us-east-1&pathStyle=true}: an
 *       {@link S3ImageStore} (credentials from the AWS SDK's default chain); without
 *       {@code endpoint}, AWS itself. {@code checkExists=true} adds the HEAD check for stores
 *       that ignore {@code If-None-Match}.
 * </ul>
 */
public final class ImageStores {
  private ImageStores() {}

  /**
   * The store a URL names.
   *
   * @param url the storage URL
   * @param publicBaseUrl the public base URL of objects, when not the store's default
   * @throws ConfigurationException if the URL is not a storage URL this SDK knows
   */
  public static ImageStore fromUrl(String url, Optional<String> publicBaseUrl) {
    if (url == null || url.isBlank()) {
      throw new ConfigurationException("The storage URL is empty: use file:///folder or s3://bucket?endpoint=…");
    }
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("Cannot read the storage URL " + Redaction.url(url) + ": " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "file":
        Path root = Path.of(uri);
        return publicBaseUrl.map(base -> FolderImageStore.of(root, base)).orElseGet(() -> FolderImageStore.of(root));
      case "s3":
        Map<String, String> q = query(uri.getRawQuery());
        S3ImageStore.Builder b = S3ImageStore.builder();
        try {
          b.bucket(uri.getHost());
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException("The storage URL " + Redaction.url(url) + " has no valid bucket: " + e.getMessage(), e);
        }
        Optional.ofNullable(q.get("endpoint")).ifPresent(e -> b.endpoint(URI.create(e)));
        Optional.ofNullable(q.get("region")).ifPresent(b::region);
        b.pathStyle(Boolean.parseBoolean(q.getOrDefault("pathStyle", q.containsKey("endpoint") ? "true" : "false")));
        b.checkExistenceBeforeWrite(Boolean.parseBoolean(q.getOrDefault("checkExists", "false")));
        publicBaseUrl.ifPresent(b::publicBaseUrl);
        return b.build();
      default:
        throw new ConfigurationException(
            "Unsupported storage URL " + Redaction.url(url) + ": use file:///absolute/folder or s3://bucket?endpoint=http://host:port&region=…&pathStyle=true");
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
