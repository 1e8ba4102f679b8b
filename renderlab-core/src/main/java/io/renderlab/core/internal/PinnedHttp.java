package io.renderlab.core.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The HTTP/1.1 GET of {@code RemoteFetcher}, on JDK sockets: it connects only to the addresses it
 * is given (the ones the fetcher vetted, so there is no second DNS lookup to rebind), verifies TLS
 * certificates against the URL's host (SNI and {@code HTTPS} endpoint identification), bounds the
 * response head, and enforces a connect timeout, an idle-read timeout and an overall deadline on
 * every read of head and body. One connection per request, closed with the response: no pool, no
 * threads. Not public API.
 *
 * <p>Why not a library: {@code java.net.http} has no hook to choose the address it connects to, and
 * the clients that have one (OkHttp, Apache HttpClient) would bring a language runtime or a second
 * copy of a library that hosts manage themselves, for one GET.
 */
public final class PinnedHttp {
  /** The longest response head (status line and headers) read. */
  public static final int MAX_HEAD_BYTES = 64 * 1024;

  private static final int MAX_LINE_BYTES = 8 * 1024;
  private static final int MAX_INTERIM_RESPONSES = 10;

  private PinnedHttp() {}

  /** What a request is sent to and how long it may take. */
  public record Target(
      String scheme,
      String host,
      int port,
      String pathAndQuery,
      List<InetAddress> addresses,
      Duration connectTimeout,
      Duration readTimeout,
      long deadlineNanos) {
    /** Checks the fields. */
    public Target {
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("scheme must be http or https");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      for (int i = 0; i < pathAndQuery.length(); i++) {
        char c = pathAndQuery.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          throw new IllegalArgumentException("the request target must be ASCII without spaces");
        }
      }
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("no addresses to connect to");
      }
      addresses = List.copyOf(addresses);
    }

    private boolean secure() {
      return scheme.equals("https");
    }

    /** The {@code Host} header: the port only when it is not the scheme's default. */
    String hostHeader() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      int defaultPort = secure() ? 443 : 80;
      return port == defaultPort ? h : h + ":" + port;
    }
  }

  /**
   * Sends {@code GET} to {@code target} with {@code headers} and reads the response head.
   *
   * @throws SocketTimeoutException if a time limit passes (an {@link
   *     java.io.InterruptedIOException})
   * @throws IOException if no vetted address accepts the connection, TLS fails, or the response is
   *     not HTTP/1.x
   */
  public static Response get(Target target, Map<String, String> headers) throws IOException {
    return get(target, headers, null);
  }

  /** {@link #get(Target, Map)} with a TLS socket factory (tests); null for the JDK's default. */
  static Response get(Target target, Map<String, String> headers, SSLSocketFactory tlsFactory)
      throws IOException {
    Socket socket = connect(target, tlsFactory);
    try {
      DeadlineInput in = new DeadlineInput(socket, target.readTimeout, target.deadlineNanos);
      BufferedInputStream buffered = new BufferedInputStream(in, 8192);
      OutputStream out = socket.getOutputStream();
      out.write(request(target, headers).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Head head = readHead(buffered);
      return new Response(head.code, head.headers, body(head, buffered), socket);
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket, e);
      throw e;
    }
  }

  private static Socket connect(Target target, SSLSocketFactory tlsFactory) throws IOException {
    IOException last = null;
    for (InetAddress address : target.addresses) {
      Duration left = remaining(target.deadlineNanos);
      Duration timeout = left.compareTo(target.connectTimeout) < 0 ? left : target.connectTimeout;
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, target.port), timeoutMillis(timeout));
        socket.setTcpNoDelay(true);
        return target.secure() ? tls(socket, target, tlsFactory) : socket;
      } catch (IOException e) {
        closeQuietly(socket, e);
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
        if (remaining(target.deadlineNanos).isZero()) {
          break;
        }
      }
    }
    throw last;
  }

  private static Socket tls(Socket plain, Target target, SSLSocketFactory tlsFactory)
      throws IOException {
    SSLSocketFactory factory = tlsFactory;
    if (factory == null) {
      try {
        factory = SSLContext.getDefault().getSocketFactory();
      } catch (NoSuchAlgorithmException e) {
        throw new IOException("no default TLS context", e);
      }
    }
    SSLSocket ssl = (SSLSocket) factory.createSocket(plain, target.host, target.port, true);
    SSLParameters parameters = ssl.getSSLParameters();
    // Verifies the certificate against the URL's host, as a browser would.
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!target.host.contains(":") && AddressPolicy.parseIpv4Literal(target.host).isEmpty()) {
      parameters.setServerNames(List.of(new SNIHostName(target.host)));
    }
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    ssl.setSSLParameters(parameters);
    Duration left = remaining(target.deadlineNanos);
    ssl.setSoTimeout(
        timeoutMillis(left.compareTo(target.readTimeout) < 0 ? left : target.readTimeout));
    ssl.startHandshake();
    return ssl;
  }

  private static String request(Target target, Map<String, String> headers) {
    StringBuilder b = new StringBuilder(256);
    b.append("GET ").append(target.pathAndQuery).append(" HTTP/1.1\r\n");
    b.append("Host: ").append(target.hostHeader()).append("\r\n");
    headers.forEach(
        (name, value) -> {
          if (!name.matches("[A-Za-z0-9-]+")
              || value.indexOf('\r') >= 0
              || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("invalid header " + name);
          }
          b.append(name).append(": ").append(value).append("\r\n");
        });
    // No compression (nothing to inflate, so no inflation bomb); one request per connection.
    b.append("Accept-Encoding: identity\r\n");
    b.append("Connection: close\r\n\r\n");
    return b.toString();
  }

  private record Head(int code, Map<String, List<String>> headers) {}

  private static Head readHead(InputStream in) throws IOException {
    int[] budget = {MAX_HEAD_BYTES};
    for (int interim = 0; ; interim++) {
      String status = readLine(in, budget);
      if (status == null) {
        throw new ProtocolException("the connection closed before a response");
      }
      int code = statusCode(status);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (String line = readLine(in, budget); ; line = readLine(in, budget)) {
        if (line == null) {
          throw new ProtocolException("the connection closed inside the response headers");
        }
        if (line.isEmpty()) {
          break;
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
          throw new ProtocolException("malformed response header");
        }
        String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        headers
            .computeIfAbsent(name, k -> new ArrayList<>())
            .add(line.substring(colon + 1).strip());
      }
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the real one.
      if (code >= 100 && code < 200 && code != 101) {
        if (interim == MAX_INTERIM_RESPONSES) {
          throw new ProtocolException("too many interim responses");
        }
        continue;
      }
      return new Head(code, headers);
    }
  }

  private static int statusCode(String status) throws ProtocolException {
    // HTTP/1.1 200 OK
    if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
      throw new ProtocolException("not an HTTP/1.x response");
    }
    String digits = status.substring(9, 12);
    if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')
        || (status.length() > 12 && status.charAt(12) != ' ')) {
      throw new ProtocolException("malformed HTTP status line");
    }
    return Integer.parseInt(digits);
  }

  /** A CRLF (or LF) terminated line, null at end of stream before any byte. */
  private static String readLine(InputStream in, int[] budget) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (line.size() == 0) {
          return null;
        }
        throw new EOFException("the connection closed inside a line");
      }
      if (--budget[0] < 0) {
        throw new ProtocolException(
            "the response head is larger than " + MAX_HEAD_BYTES + " bytes");
      }
      if (c == '\n') {
        byte[] bytes = line.toByteArray();
        int n =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      if (line.size() == MAX_LINE_BYTES) {
        throw new ProtocolException("a response line is longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(c);
    }
  }

  private static InputStream body(Head head, InputStream in) throws IOException {
    if (head.code == 204 || head.code == 304) {
      return InputStream.nullInputStream();
    }
    List<String> encodings = head.headers.getOrDefault("transfer-encoding", List.of());
    if (!encodings.isEmpty()) {
      String last = String.join(",", encodings).toLowerCase(Locale.ROOT);
      if (!last.strip().endsWith("chunked")) {
        throw new ProtocolException("unsupported Transfer-Encoding");
      }
      return new ChunkedInput(in);
    }
    long length = contentLength(head.headers);
    return length >= 0 ? new LengthInput(in, length) : in;
  }

  private static long contentLength(Map<String, List<String>> headers) throws ProtocolException {
    List<String> values = headers.getOrDefault("content-length", List.of());
    long length = -1;
    for (String value : values) {
      for (String part : value.split(",")) {
        long parsed;
        try {
          parsed = Long.parseLong(part.strip());
        } catch (NumberFormatException e) {
          throw new ProtocolException("malformed Content-Length");
        }
        if (parsed < 0 || (length >= 0 && parsed != length)) {
          throw new ProtocolException("conflicting or negative Content-Length");
        }
        length = parsed;
      }
    }
    return length;
  }

  private static Duration remaining(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  private static int timeoutMillis(Duration timeout) throws SocketTimeoutException {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new SocketTimeoutException("the deadline passed");
    }
    long millis = Math.max(1, timeout.toMillis());
    return (int) Math.min(Integer.MAX_VALUE, millis);
  }

  private static void closeQuietly(Socket socket, Exception failure) {
    try {
      socket.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  /** A response: its status, headers and body. Closing it closes the connection. */
  public static final class Response implements AutoCloseable {
    private final int code;
    private final Map<String, List<String>> headers;
    private final InputStream body;
    private final Socket socket;

    private Response(int code, Map<String, List<String>> headers, InputStream body, Socket socket) {
      this.code = code;
      this.headers = headers;
      this.body = body;
      this.socket = socket;
    }

    /** The status code. */
    public int code() {
      return code;
    }

    /** The first value of a header (case-insensitive name). */
    public Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The announced body length: -1 when unknown (chunked or close-delimited). Only that many bytes
     * are ever read.
     */
    public long contentLength() {
      return body instanceof LengthInput length ? length.length : -1;
    }

    /** The body, de-chunked; reads are bounded by the time limits. */
    public InputStream body() {
      return body;
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // nothing to do: the connection is not reused
      }
    }
  }

  /** Socket input whose every read waits at most the idle timeout and the time left. */
  private static final class DeadlineInput extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final Duration readTimeout;
    private final long deadlineNanos;

    DeadlineInput(Socket socket, Duration readTimeout, long deadlineNanos) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.readTimeout = readTimeout;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Duration left = remaining(deadlineNanos);
      socket.setSoTimeout(timeoutMillis(left.compareTo(readTimeout) < 0 ? left : readTimeout));
      return in.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A body of a known length: reads no byte past it, and fails if the connection ends early. */
  private static final class LengthInput extends FilterInputStream {
    private final long length;
    private long left;

    LengthInput(InputStream in, long length) {
      super(in);
      this.length = length;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (left == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the connection closed " + left + " bytes before the body's end");
      }
      left -= n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return super.skip(Math.min(n, left));
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(super.available(), left);
    }
  }

  /** A chunked body, de-chunked; chunk-size lines and trailers are bounded like the head. */
  private static final class ChunkedInput extends InputStream {
    private final InputStream in;
    private long chunkLeft;
    private boolean done;

    ChunkedInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (done) {
        return -1;
      }
      if (chunkLeft == 0) {
        chunkLeft = nextChunkSize();
        if (chunkLeft == 0) {
          done = true;
          readTrailers();
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, chunkLeft));
      if (n < 0) {
        throw new EOFException("the connection closed inside a chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0) {
        String end = readLine(in, new int[] {MAX_LINE_BYTES});
        if (end == null || !end.isEmpty()) {
          throw new ProtocolException("malformed chunk end");
        }
      }
      return n;
    }

    private long nextChunkSize() throws IOException {
      String line = readLine(in, new int[] {MAX_LINE_BYTES});
      if (line == null) {
        throw new EOFException("the connection closed before the last chunk");
      }
      int semicolon = line.indexOf(';');
      String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).strip();
      if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(PinnedHttp::isHexDigit)) {
        throw new ProtocolException("malformed chunk size");
      }
      return Long.parseLong(hex, 16);
    }

    private void readTrailers() throws IOException {
      int[] budget = {MAX_HEAD_BYTES};
      for (String line = readLine(in, budget); ; line = readLine(in, budget)) {
        if (line == null || line.isEmpty()) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
