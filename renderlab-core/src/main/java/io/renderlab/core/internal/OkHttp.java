package io.renderlab.core.internal;

import io.renderlab.core.ConfigurationException;

/**
 * Whether OkHttp, the optional dependency of {@code RemoteFetcher}, is there. This class names no
 * OkHttp type, so it loads without OkHttp; {@code RemoteFetcher} links without it too and fails
 * only when it builds its client.
 */
public final class OkHttp {
  /** The artifact {@code RemoteFetcher} needs; optional in renderlab-core. */
  public static final String ARTIFACT = "com.squareup.okhttp3:okhttp-jvm";

  private OkHttp() {}

  /**
   * Fails with a message a user can act on when OkHttp is missing.
   *
   * @throws ConfigurationException if {@code okhttp3.OkHttpClient} cannot be loaded
   */
  public static void require() {
    try {
      Class.forName("okhttp3.OkHttpClient", false, OkHttp.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigurationException(
          "RemoteFetcher needs OkHttp, an optional dependency of renderlab-core (so that a host"
              + " using only the Replicate client pulls no OkHttp): add "
              + ARTIFACT
              + " to the application, or depend on renderlab-storage, which brings it (no version"
              + " needed with io.renderlab:renderlab-bom imported; on the module path, also require"
              + " okhttp3).",
          e);
    }
  }
}
