package io.renderlab.storage;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.Redaction;
import io.renderlab.storage.internal.AwsSdk;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Builds a store from a URL, the form the CLI and configuration files use:
 *
 * <ul>
 *   <li>{@code file:///absolute/folder}: a {@link FolderImageStore};
 *   <li>{@code s3://BUCKET?endpoint=http://host:port&region=us-east-1&pathStyle=true}: an {@link
 *       S3ImageStore} (credentials from the AWS SDK's default chain); without {@code endpoint}, AWS
 *       itself. {@code checkExists=true} adds the HEAD check for stores that ignore {@code
 *       If-None-Match}. Supabase's S3 endpoint ({@code
 *       endpoint=https://<ref>.supabase.co/storage/v1/s3}) is recognised: Supabase's public URL
 *       form, and the check on unless {@code checkExists=false}. {@code chunkedEncoding=false} (the
 *       default for plain-{@code http} endpoints) sends bodies without {@code aws-chunked} framing,
 *       for servers that would store that framing undecoded.
 *   <li>{@code supabase://BUCKET?project=PROJECT_REF} or {@code
 *       supabase://BUCKET?url=https://PROJECT_REF.supabase.co}: a {@link SupabaseImageStore} over
 *       Supabase Storage's REST API (a local stack: {@code url=http://127.0.0.1:54321}). The
 *       service key comes from the environment variable {@value
 *       SupabaseImageStore#SERVICE_KEY_ENV}, never from the URL: storage URLs end up in logs and
 *       shell history, so a URL carrying a key is refused.
 * </ul>
 *
 * <pre>{@code
 * try (ImageStore store = ImageStores.fromUrl("file:///var/lib/renderlab/objects")) {
 *   store.put("user-1/a.png", in, PutOptions.of("image/png"));
 * }
 * }</pre>
 */
public final class ImageStores {
  private ImageStores() {}

  /**
   * The store a URL names, with that store's default public URLs.
   *
   * @param url the storage URL
   * @return the store; close it when done
   * @throws ConfigurationException if the URL is not a storage URL this SDK knows, or names S3
   *     without the AWS SDK's {@code s3} artifact on the class path
   */
  public static ImageStore fromUrl(String url) {
    return fromUrl(url, Optional.empty(), System::getenv);
  }

  /**
   * The store a URL names, whose objects are served under {@code publicBaseUrl} (a CDN, say).
   *
   * @param url the storage URL
   * @param publicBaseUrl the public base URL of objects, for example {@code
   *     https://cdn.example.com/images}
   * @return the store; close it when done
   * @throws ConfigurationException if the URL is not a storage URL this SDK knows, or names S3
   *     without the AWS SDK's {@code s3} artifact on the class path
   */
  public static ImageStore fromUrl(String url, String publicBaseUrl) {
    return fromUrl(
        url, Optional.of(Objects.requireNonNull(publicBaseUrl, "publicBaseUrl")), System::getenv);
  }

  static ImageStore fromUrl(
      String url, Optional<String> publicBaseUrl, Function<String, String> env) {
    Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
    if (url == null || url.isBlank()) {
      throw new ConfigurationException(
          "The storage URL is empty: use file:///folder, s3://bucket?endpoint=… or supabase://bucket?project=…");
    }
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "Cannot read the storage URL " + Redaction.url(url) + ": " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "file":
        Path root;
        try {
          root = Path.of(uri);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
          throw new ConfigurationException(
              "The storage URL "
                  + Redaction.url(url)
                  + " is not an absolute folder: use file:///absolute/folder ("
                  + e.getMessage()
                  + ")",
              e);
        }
        return publicBaseUrl
            .map(base -> FolderImageStore.of(root, base))
            .orElseGet(() -> FolderImageStore.of(root));
      case "s3":
        AwsSdk.require(); // before S3ImageStore is loaded: it cannot even be linked without the SDK
        Map<String, String> q = query(uri.getRawQuery());
        S3ImageStore.Builder b = S3ImageStore.builder();
        try {
          b.bucket(uri.getHost());
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException(
              "The storage URL " + Redaction.url(url) + " has no valid bucket: " + e.getMessage(),
              e);
        }
        Optional<String> supabaseRef;
        try {
          URI endpoint = q.containsKey("endpoint") ? URI.create(q.get("endpoint")) : null;
          supabaseRef = supabaseProject(endpoint);
          if (supabaseRef.isPresent()) {
            // Supabase's S3 endpoint: its public URL form, and the existence check (it ignores
            // If-None-Match)
            b.supabase(supabaseRef.get(), q.getOrDefault("region", "us-east-1"));
          } else if (endpoint != null) {
            b.endpoint(endpoint);
          }
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException(
              "The storage URL " + Redaction.url(url) + " has no valid endpoint: " + e.getMessage(),
              e);
        }
        Optional.ofNullable(q.get("region")).ifPresent(b::region);
        b.pathStyle(flag(q, "pathStyle", q.containsKey("endpoint"), url));
        b.checkExistenceBeforeWrite(flag(q, "checkExists", supabaseRef.isPresent(), url));
        if (q.containsKey("chunkedEncoding")) {
          b.chunkedEncoding(flag(q, "chunkedEncoding", true, url));
        }
        publicBaseUrl.ifPresent(b::publicBaseUrl);
        return b.build();
      case "supabase":
        return supabase(uri, url, publicBaseUrl, env);
      default:
        throw new ConfigurationException(
            "Unsupported storage URL "
                + Redaction.url(url)
                + ": use file:///absolute/folder, "
                + "s3://bucket?endpoint=http://host:port&region=…&pathStyle=true or supabase://bucket?project=<project-ref>");
    }
  }

  /**
   * A {@code true}/{@code false} query parameter; anything else is refused rather than read as
   * false.
   */
  private static boolean flag(Map<String, String> q, String name, boolean absent, String url) {
    String value = q.get(name);
    if (value == null) {
      return absent;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new ConfigurationException(
        "The storage URL "
            + Redaction.url(url)
            + " sets "
            + name
            + " to '"
            + Redaction.text(value)
            + "': use true or false.");
  }

  /**
   * The project ref of {@code https://<ref>.supabase.co/storage/v1/s3}, empty for other endpoints.
   */
  private static Optional<String> supabaseProject(URI endpoint) {
    if (endpoint == null || endpoint.getHost() == null || endpoint.getPath() == null) {
      return Optional.empty();
    }
    String host = endpoint.getHost().toLowerCase(Locale.ROOT);
    String path =
        endpoint.getPath().endsWith("/")
            ? endpoint.getPath().substring(0, endpoint.getPath().length() - 1)
            : endpoint.getPath();
    if (!host.endsWith(".supabase.co")
        || !path.equals("/storage/v1/s3")
        || !"https".equalsIgnoreCase(endpoint.getScheme())) {
      return Optional.empty();
    }
    String ref = host.substring(0, host.length() - ".supabase.co".length());
    return ref.matches("[a-z0-9]{1,64}") ? Optional.of(ref) : Optional.empty();
  }

  private static ImageStore supabase(
      URI uri, String url, Optional<String> publicBaseUrl, Function<String, String> env) {
    Map<String, String> q = query(uri.getRawQuery());
    for (String secret : new String[] {"key", "serviceKey", "service_key", "apikey", "token"}) {
      if (q.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(secret))) {
        throw new ConfigurationException(
            "The storage URL "
                + Redaction.url(url)
                + " carries a key: remove it and set "
                + SupabaseImageStore.SERVICE_KEY_ENV
                + " in the environment instead (storage URLs are printed and logged).");
      }
    }
    String bucket =
        uri.getRawAuthority() == null
            ? ""
            : URLDecoder.decode(uri.getRawAuthority(), StandardCharsets.UTF_8);
    SupabaseImageStore.Builder b = SupabaseImageStore.builder();
    try {
      b.bucket(bucket);
      if (q.containsKey("url") == q.containsKey("project")) {
        throw new IllegalArgumentException(
            "give exactly one of project=<project-ref> or url=https://<project-ref>.supabase.co");
      }
      if (q.containsKey("project")) {
        b.projectRef(q.get("project"));
      } else {
        b.projectUrl(URI.create(q.get("url")));
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "The storage URL "
              + Redaction.url(url)
              + " is not a usable Supabase URL: "
              + e.getMessage(),
          e);
    }
    b.serviceKey(SupabaseImageStore.requireKeyFromEnv(env));
    publicBaseUrl.ifPresent(b::publicBaseUrl);
    return b.build();
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
