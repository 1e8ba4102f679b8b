package io.renderlab.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The gallery page ({@code GET /}) and the folder store's files under {@code GET /files/}: only
 * regular files inside the configured root, never a link out of it, typed by their first bytes.
 * Thread-safe.
 */
final class FileRoutes {
  private final RenderLabServer.Builder config;

  FileRoutes(RenderLabServer.Builder config) {
    this.config = config;
  }

  /** The gallery: the bundled single-page web app. */
  void index(Context ctx) throws IOException {
    try (InputStream in = RenderLabServer.class.getResourceAsStream("web/index.html")) {
      ctx.contentType("text/html; charset=utf-8").result(Objects.requireNonNull(in).readAllBytes());
    }
  }

  void file(Context ctx) throws IOException {
    if (config.filesRoot == null) {
      throw ApiError.notFound("file");
    }
    String rest = ctx.path().substring("/files/".length());
    if (rest.isEmpty()
        || rest.contains("..")
        || rest.contains("\\")
        || rest.startsWith("/")
        || rest.contains("//")) {
      throw ApiError.notFound("file");
    }
    Path root = config.filesRoot.toRealPath();
    String decoded;
    try {
      // A path decodes like a URI path: '+' is a plus sign, not a space.
      decoded =
          java.net.URLDecoder.decode(
              rest.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("file");
    }
    if (decoded.contains("..") || decoded.contains("\\") || decoded.indexOf('\0') >= 0) {
      throw ApiError.notFound("file");
    }
    Path target;
    try {
      target = root.resolve(decoded).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw ApiError.notFound("file");
    }
    if (!target.startsWith(root) || !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      throw ApiError.notFound("file");
    }
    if (!target.toRealPath().startsWith(root)) {
      throw ApiError.notFound("file");
    }
    ctx.contentType(contentType(target));
    ctx.header("Cache-Control", "public, max-age=3600");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.result(Files.newInputStream(target));
  }

  static String contentType(Path file) throws IOException {
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
      return "image/png";
    }
    if (n >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8) {
      return "image/jpeg";
    }
    if (n >= 12
        && head[0] == 'R'
        && head[1] == 'I'
        && head[2] == 'F'
        && head[3] == 'F'
        && head[8] == 'W'
        && head[9] == 'E') {
      return "image/webp";
    }
    if (n >= 4 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F') {
      return "image/gif";
    }
    return "application/octet-stream";
  }
}
