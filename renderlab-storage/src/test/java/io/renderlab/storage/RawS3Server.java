package io.renderlab.storage;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small S3-protocol server for tests that stores request bodies exactly as they arrive: it does
 * not decode {@code aws-chunked} framing, as some S3-compatible servers do not. Enough S3 for the
 * store: PUT object (with {@code If-None-Match: *}), HEAD, GET, DELETE, and multipart create,
 * upload-part, complete (with {@code If-None-Match: *}) and abort; ETags are the MD5 of what is
 * kept (and MD5-of-MD5s for multipart). Bodies stream to files under a folder, never into memory.
 * Signatures are not checked. Path-style only, one bucket.
 */
public final class RawS3Server implements AutoCloseable {
  private static final Pattern PART_NUMBER = Pattern.compile("<PartNumber>(\\d+)</PartNumber>");

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private final Path root;
  private final String bucket;
  private final Map<String, Path> objects = new ConcurrentHashMap<>();
  private final Map<String, String> etags = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, Path>> uploads = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, byte[]>> partMd5s = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  /** Requests whose body arrived with {@code Content-Encoding: aws-chunked} (kept undecoded). */
  public final AtomicInteger awsChunkedBodies = new AtomicInteger();

  public RawS3Server(Path root, String bucket) throws IOException {
    this.root = root;
    this.bucket = bucket;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Keys of the objects kept. */
  public List<String> keys() {
    return new ArrayList<>(objects.keySet());
  }

  /** Multipart uploads neither completed nor aborted. */
  public int openUploads() {
    return uploads.size();
  }

  /** The file holding the object at {@code key}. */
  public Path file(String key) {
    return objects.get(key);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String prefix = "/" + bucket + "/";
      if (!path.startsWith(prefix)) {
        drain(ex);
        send(ex, 404, error("NoSuchBucket"));
        return;
      }
      String key = URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      if ("aws-chunked"
          .equalsIgnoreCase(String.valueOf(ex.getRequestHeaders().getFirst("Content-Encoding")))) {
        awsChunkedBodies.incrementAndGet();
      }
      switch (ex.getRequestMethod()) {
        case "PUT" -> {
          if (q.containsKey("uploadId")) {
            uploadPart(ex, q.get("uploadId"), Integer.parseInt(q.get("partNumber")));
          } else {
            putObject(ex, key);
          }
        }
        case "POST" -> {
          if (q.containsKey("uploads")) {
            drain(ex);
            String id = "u" + ids.incrementAndGet();
            uploads.put(id, new TreeMap<>());
            partMd5s.put(id, new TreeMap<>());
            send(
                ex,
                200,
                "<InitiateMultipartUploadResult><Bucket>"
                    + bucket
                    + "</Bucket><Key>"
                    + key
                    + "</Key><UploadId>"
                    + id
                    + "</UploadId></InitiateMultipartUploadResult>");
          } else {
            complete(ex, key, q.get("uploadId"));
          }
        }
        case "HEAD" -> {
          Path file = objects.get(key);
          if (file == null) {
            ex.sendResponseHeaders(404, -1);
            return;
          }
          ex.getResponseHeaders().set("ETag", "\"" + etags.get(key) + "\"");
          ex.getResponseHeaders().set("Content-Length", Long.toString(Files.size(file)));
          ex.sendResponseHeaders(200, -1);
        }
        case "GET" -> {
          Path file = objects.get(key);
          if (file == null) {
            send(ex, 404, error("NoSuchKey"));
            return;
          }
          ex.getResponseHeaders().set("ETag", "\"" + etags.get(key) + "\"");
          ex.sendResponseHeaders(200, Files.size(file));
          try (OutputStream out = ex.getResponseBody()) {
            Files.copy(file, out);
          }
        }
        case "DELETE" -> {
          drain(ex);
          if (q.containsKey("uploadId")) {
            Map<Integer, Path> parts = uploads.remove(q.get("uploadId"));
            partMd5s.remove(q.get("uploadId"));
            if (parts != null) {
              for (Path p : parts.values()) {
                Files.deleteIfExists(p);
              }
            }
          } else {
            Path file = objects.remove(key);
            etags.remove(key);
            if (file != null) {
              Files.deleteIfExists(file);
            }
          }
          ex.sendResponseHeaders(204, -1);
        }
        default -> {
          drain(ex);
          send(ex, 405, error("MethodNotAllowed"));
        }
      }
    } catch (RuntimeException e) {
      throw new IOException(e);
    }
  }

  private synchronized boolean refuseExisting(HttpExchange ex, String key) throws IOException {
    if ("*".equals(ex.getRequestHeaders().getFirst("If-None-Match")) && objects.containsKey(key)) {
      send(ex, 412, error("PreconditionFailed"));
      return true;
    }
    return false;
  }

  private void putObject(HttpExchange ex, String key) throws IOException {
    Path temp = Files.createTempFile(root, "obj", ".bin");
    String md5 = receive(ex, temp);
    synchronized (this) {
      if (refuseExisting(ex, key)) {
        Files.delete(temp);
        return;
      }
      objects.put(key, temp);
      etags.put(key, md5);
    }
    ex.getResponseHeaders().set("ETag", "\"" + md5 + "\"");
    ex.sendResponseHeaders(200, -1);
  }

  private void uploadPart(HttpExchange ex, String uploadId, int number) throws IOException {
    Map<Integer, Path> parts = uploads.get(uploadId);
    if (parts == null) {
      drain(ex);
      send(ex, 404, error("NoSuchUpload"));
      return;
    }
    Path temp = Files.createTempFile(root, "part", ".bin");
    String md5 = receive(ex, temp);
    synchronized (parts) {
      parts.put(number, temp);
      partMd5s.get(uploadId).put(number, HexFormat.of().parseHex(md5));
    }
    ex.getResponseHeaders().set("ETag", "\"" + md5 + "\"");
    ex.sendResponseHeaders(200, -1);
  }

  private void complete(HttpExchange ex, String key, String uploadId) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<Integer, Path> parts = uploads.get(uploadId);
    if (parts == null) {
      send(ex, 404, error("NoSuchUpload"));
      return;
    }
    List<Integer> numbers = new ArrayList<>();
    Matcher m = PART_NUMBER.matcher(body);
    while (m.find()) {
      numbers.add(Integer.parseInt(m.group(1)));
    }
    Path temp = Files.createTempFile(root, "obj", ".bin");
    MessageDigest all = md5();
    try (OutputStream out = Files.newOutputStream(temp)) {
      for (int n : numbers) {
        Files.copy(parts.get(n), out);
        all.update(partMd5s.get(uploadId).get(n));
      }
    }
    String etag = HexFormat.of().formatHex(all.digest()) + "-" + numbers.size();
    synchronized (this) {
      if (refuseExisting(ex, key)) {
        Files.delete(temp);
        return;
      }
      objects.put(key, temp);
      etags.put(key, etag);
    }
    uploads.remove(uploadId);
    partMd5s.remove(uploadId);
    for (Path p : parts.values()) {
      Files.deleteIfExists(p);
    }
    send(
        ex,
        200,
        "<CompleteMultipartUploadResult><Bucket>"
            + bucket
            + "</Bucket><Key>"
            + key
            + "</Key><ETag>&quot;"
            + etag
            + "&quot;</ETag></CompleteMultipartUploadResult>");
  }

  /** Streams the request body, as it arrived, into {@code file}; returns its MD5. */
  private static String receive(HttpExchange ex, Path file) throws IOException {
    MessageDigest md5 = md5();
    try (InputStream in = new DigestInputStream(ex.getRequestBody(), md5)) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return HexFormat.of().formatHex(md5.digest());
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void drain(HttpExchange ex) throws IOException {
    ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
  }

  private static String error(String code) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
        + code
        + "</Code><Message>"
        + code
        + "</Message><RequestId>r</RequestId></Error>";
  }

  private static void send(HttpExchange ex, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/xml");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new HashMap<>();
    if (raw == null) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      q.put(k, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }
}
