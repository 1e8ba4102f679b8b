package io.renderlab.generations;

import io.renderlab.core.ImageStore;
import io.renderlab.core.InputRejectedException;
import io.renderlab.core.MediaType;
import io.renderlab.core.Redaction;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.RemoteResource;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.replicate.ReplicateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns the image and mask URLs a flow puts into a prediction's input into URLs Replicate can
 * fetch. A public {@code http(s)} URL (or a {@code data:} URI) goes as it is. Anything else (a
 * {@code file:} URL of a folder store, a loopback or private host such as the sample server's
 * {@code /files/}) is read here, from the store when the URL is one of its objects, else through
 * the fetch policy, and sent as a {@code data:} URI when it is at most {@link Builder#inlineLimit}
 * bytes (768 KiB by default), else uploaded through Replicate's Files API ({@link
 * ReplicateFiles#create}) and sent as the file's {@code urls.get}.
 *
 * <p>Why 768 KiB: Replicate recommends data URIs only under 1 MB; base64 grows 768 KiB to exactly 1
 * MiB; and the input is echoed in every prediction read, so a large inline input would be
 * downloaded again on every poll. Above it one extra request uploads the bytes once. Thread-safe.
 *
 * <pre>{@code
 * ReplicateInputs inputs = ReplicateInputs.builder().client(replicate).store(store).build();
 * PredictionRequest.model(model).put("mask", inputs.makeReachable(mask.url()));
 * }</pre>
 */
public final class ReplicateInputs {
  /** The default largest input sent inline as a {@code data:} URI. */
  public static final int DEFAULT_INLINE_LIMIT = 768 * 1024;

  private final ReplicateClient client;
  private final ImageStore store;
  private final RemoteFetcher fetcher;
  private final int inlineLimit;
  private final boolean privateHostsReachable;
  private final String storeBase;

  private ReplicateInputs(Builder b) {
    this.client = b.client;
    this.store = b.store;
    this.fetcher = b.fetcher;
    this.inlineLimit = b.inlineLimit;
    this.privateHostsReachable =
        b.privateHostsReachable != null
            ? b.privateHostsReachable
            : isPrivateHost(client.baseUrl().getHost());
    this.storeBase = store == null ? null : storeBase(store);
  }

  /** A builder; the client is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Each of {@code urls} as {@link #makeReachable(String)} makes it. */
  public List<String> makeReachable(List<String> urls) {
    Objects.requireNonNull(urls, "urls");
    List<String> out = new ArrayList<>(urls.size());
    for (String url : urls) {
      out.add(makeReachable(url));
    }
    return List.copyOf(out);
  }

  /**
   * {@code url} if Replicate can fetch it, else its bytes as a {@code data:} URI or a Files API
   * URL.
   *
   * @throws InputRejectedException if the URL can be neither fetched by Replicate nor read here (a
   *     local file outside the store, a private host without a fetch policy that allows it), or is
   *     larger than the Files API accepts
   */
  public String makeReachable(String url) {
    Objects.requireNonNull(url, "url");
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new InputRejectedException("Not a URL: " + Redaction.url(url), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("data")) {
      return url;
    }
    boolean web = scheme.equals("https") || scheme.equals("http");
    if (web && uri.getHost() != null && (privateHostsReachable || !isPrivateHost(uri.getHost()))) {
      return url;
    }
    byte[] bytes = read(url, web);
    String type =
        MediaType.sniff(bytes, Math.min(bytes.length, MediaType.SNIFF_LENGTH))
            .map(MediaType::mimeType)
            .orElse("application/octet-stream");
    if (bytes.length <= inlineLimit) {
      return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }
    String name = fileName(uri);
    return client.files().create(bytes, name, type).url();
  }

  private byte[] read(String url, boolean web) {
    if (storeBase != null && url.startsWith(storeBase)) {
      String key =
          URLDecoder.decode(
              url.substring(storeBase.length()).replace("+", "%2B"), StandardCharsets.UTF_8);
      try (InputStream in = store.open(key)) {
        return readCapped(in, url);
      } catch (IOException e) {
        throw new InputRejectedException(
            "Could not read " + Redaction.url(url) + " from the store: " + e.getMessage(), e);
      }
    }
    if (web && fetcher != null) {
      try (RemoteResource resource = fetcher.open(url);
          InputStream in = resource.body()) {
        return readCapped(in, url);
      } catch (IOException e) {
        throw new InputRejectedException(
            "Could not read " + Redaction.url(url) + ": " + e.getMessage(), e);
      }
    }
    throw new InputRejectedException(
        "Replicate cannot fetch "
            + Redaction.url(url)
            + " (a local file or a private host), and it is not an object of "
            + "this application's store: pass a public https URL, or store the image first.",
        null);
  }

  private static byte[] readCapped(InputStream in, String url) throws IOException {
    byte[] bytes =
        in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, ReplicateFiles.MAX_BYTES + 1));
    if (bytes.length > ReplicateFiles.MAX_BYTES) {
      throw new InputRejectedException(
          Redaction.url(url) + " is larger than the 100 MiB Replicate accepts for an input file.",
          null);
    }
    return bytes;
  }

  private static String fileName(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String last = path.substring(path.lastIndexOf('/') + 1);
    return last.isBlank() || last.contains("\"") ? "input" : last;
  }

  private static String storeBase(ImageStore store) {
    String probe = "renderlab-probe.png";
    try {
      String url = store.publicUrl(probe);
      return url.endsWith(probe) ? url.substring(0, url.length() - probe.length()) : null;
    } catch (RuntimeException noPublicUrls) {
      return null;
    }
  }

  /**
   * Loopback, private, link-local or unique-local addresses, and names that only resolve inside a
   * network.
   */
  static boolean isPrivateHost(String host) {
    if (host == null || host.isEmpty()) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost")
        || h.endsWith(".localhost")
        || h.endsWith(".local")
        || h.endsWith(".internal")
        || h.endsWith(".lan")
        || h.endsWith(".home.arpa")
        || !h.contains(".") && !h.contains(":")) {
      return true;
    }
    boolean literal = h.contains(":") || h.matches("[0-9.]+");
    if (!literal) {
      return false; // a public name: resolving it here would not say what Replicate sees
    }
    try {
      InetAddress a = InetAddress.getByName(h);
      byte[] b = a.getAddress();
      boolean cgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
      boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
      return a.isLoopbackAddress()
          || a.isSiteLocalAddress()
          || a.isLinkLocalAddress()
          || a.isAnyLocalAddress()
          || a.isMulticastAddress()
          || cgnat
          || uniqueLocal;
    } catch (UnknownHostException e) {
      return true;
    }
  }

  @Override
  public String toString() {
    return "ReplicateInputs{inlineLimit="
        + inlineLimit
        + ", privateHostsReachable="
        + privateHostsReachable
        + '}';
  }

  /** Builds {@link ReplicateInputs}. Not thread-safe. */
  public static final class Builder {
    private ReplicateClient client;
    private ImageStore store;
    private RemoteFetcher fetcher;
    private int inlineLimit = DEFAULT_INLINE_LIMIT;
    private Boolean privateHostsReachable;

    private Builder() {}

    /** The client whose Files API takes large inputs (required). */
    public Builder client(ReplicateClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** The store whose objects' URLs may be read directly (a folder store's {@code file:} URLs). */
    public Builder store(ImageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Reads private {@code http(s)} URLs outside the store, under its policy; none by default
     * (refused).
     */
    public Builder fetcher(RemoteFetcher fetcher) {
      this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
      return this;
    }

    /** Largest input sent inline as a {@code data:} URI: 1 byte to 1 MiB; 768 KiB by default. */
    public Builder inlineLimit(int bytes) {
      if (bytes < 1 || bytes > 1024 * 1024) {
        throw new IllegalArgumentException("inlineLimit must be 1 byte to 1 MiB, was " + bytes);
      }
      this.inlineLimit = bytes;
      return this;
    }

    /**
     * Whether Replicate can reach loopback and private hosts. By default only when the client's own
     * API base is on such a host (a local fake or an in-network proxy), never for {@code
     * api.replicate.com}.
     */
    public Builder privateHostsReachable(boolean reachable) {
      this.privateHostsReachable = reachable;
      return this;
    }

    /** Builds it. */
    public ReplicateInputs build() {
      if (client == null) {
        throw new IllegalStateException(
            "client is required: ReplicateInputs.builder().client(replicate)");
      }
      return new ReplicateInputs(this);
    }
  }
}
