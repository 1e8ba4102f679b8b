package io.renderlab.storage.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * On-demand benchmark helper (not a test): serves one file on loopback, {@code /fixed/…} with
 * {@code Content-Length} and {@code /chunked/…} without. The same server feeds {@code curl -o} (the
 * baseline) and the ingest, so both pay for the same sender.
 *
 * <p>{@code java -cp … io.renderlab.storage.bench.BenchFileServer FILE PORT}
 */
public final class BenchFileServer {
  private BenchFileServer() {}

  /** Serves {@code args[0]} on {@code 127.0.0.1:args[1]} until killed. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          boolean chunked = path.startsWith("/chunked/");
          long size = Files.size(file);
          exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
          exchange.sendResponseHeaders(200, chunked ? 0 : size);
          try (InputStream in = Files.newInputStream(file);
              OutputStream out = exchange.getResponseBody()) {
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
              out.write(buffer, 0, n);
            }
          }
        });
    server.start();
    System.out.println(
        "serving "
            + file
            + " ("
            + Files.size(file)
            + " bytes) on http://127.0.0.1:"
            + port
            + "/{fixed,chunked}/"
            + file.getFileName());
  }
}
