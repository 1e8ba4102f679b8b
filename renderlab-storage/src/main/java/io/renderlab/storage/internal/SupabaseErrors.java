package io.renderlab.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.renderlab.core.ObjectExistsException;
import io.renderlab.core.StorageException;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads Supabase Storage's error bodies and maps them to the SDK's exceptions. Not public API.
 *
 * <p>The storage server answers most failures with HTTP 400 and puts the meaningful status in the
 * JSON body as a string: {@code {"statusCode":"409","code":"KeyAlreadyExists","error":"Duplicate",
 * "message":"The resource already exists"}}. Older servers omit {@code code}. Both are read.
 */
public final class SupabaseErrors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MESSAGE = 200;
  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");

  private SupabaseErrors() {}

  /** What the server said, parsed leniently; fields are empty when absent. */
  public record Problem(int httpStatus, int statusCode, String code, String error, String message) {
    /** The status that describes the failure: the body's {@code statusCode}, else the HTTP one. */
    public int effectiveStatus() {
      return statusCode > 0 ? statusCode : httpStatus;
    }

    boolean is(String value) {
      String v = value.toLowerCase(Locale.ROOT);
      return code.toLowerCase(Locale.ROOT).equals(v) || error.toLowerCase(Locale.ROOT).equals(v);
    }
  }

  /** Parses an error body (at most a few KiB are passed in); never throws. */
  public static Problem parse(int httpStatus, byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        return new Problem(httpStatus, 0, "", "", "");
      }
      int statusCode = 0;
      JsonNode sc = node.get("statusCode");
      if (sc != null) {
        try {
          statusCode = sc.isNumber() ? sc.asInt() : Integer.parseInt(sc.asText().strip());
        } catch (NumberFormatException ignored) {
          statusCode = 0;
        }
      }
      return new Problem(
          httpStatus, statusCode, text(node, "code"), text(node, "error"), text(node, "message"));
    } catch (IOException | RuntimeException e) {
      return new Problem(httpStatus, 0, "", "", "");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** Whether the problem says the object is not there. */
  public static boolean isMissingObject(Problem p) {
    return p.is("NoSuchKey")
        || p.is("not_found")
        || (p.effectiveStatus() == 404 && !isMissingBucket(p));
  }

  /** Whether the problem says the bucket is not there. */
  public static boolean isMissingBucket(Problem p) {
    return p.is("NoSuchBucket") || p.is("Bucket not found");
  }

  /**
   * The exception for a failed call.
   *
   * @param what what the store tried, e.g. {@code "upload"}
   * @param key the object key, or {@code null}
   * @param bucket the bucket
   * @param secret the service key, scrubbed from anything the server echoed
   */
  public static StorageException toException(
      String what, String key, String bucket, Problem p, String secret) {
    int status = p.effectiveStatus();
    String server = describe(p, secret);
    if (status == 409
        || p.is("KeyAlreadyExists")
        || p.is("ResourceAlreadyExists")
        || p.is("Duplicate")) {
      if (key != null) {
        return new ObjectExistsException(key);
      }
    }
    String subject =
        key == null ? "bucket '" + bucket + "'" : "'" + key + "' in bucket '" + bucket + "'";
    String prefix =
        "Supabase Storage failed to " + what + " " + subject + ": HTTP " + status + server + ".";
    if (isMissingBucket(p)) {
      return new StorageException(
          prefix
              + " The bucket '"
              + bucket
              + "' does not exist: create it (dashboard, or POST /storage/v1/bucket) first.",
          key,
          null,
          false);
    }
    if (status == 413 || p.is("EntityTooLarge") || p.is("Payload too large")) {
      return new StorageException(
          prefix
              + " The object is larger than the bucket's or the project's upload size limit: raise the limit "
              + "(bucket settings, or the project's storage settings) or store a smaller object.",
          key,
          null,
          false);
    }
    if (status == 401
        || status == 403
        || p.is("InvalidJWT")
        || p.is("AccessDenied")
        || p.is("Unauthorized")) {
      return new StorageException(
          prefix
              + " The service key was refused: check SUPABASE_SERVICE_ROLE_KEY (the project's service_role or secret key).",
          key,
          null,
          false);
    }
    if (status == 415 || p.is("InvalidMimeType")) {
      return new StorageException(
          prefix
              + " The bucket does not accept this content type: allow it in the bucket settings.",
          key,
          null,
          false);
    }
    if (isMissingObject(p)) {
      return new StorageException(prefix + " No object at key '" + key + "'.", key, null, false);
    }
    boolean retryable = status == 408 || status == 423 || status == 429 || status >= 500;
    return new StorageException(
        prefix + (retryable ? " This is retryable." : ""), key, null, retryable);
  }

  private static String describe(Problem p, String secret) {
    StringBuilder sb = new StringBuilder();
    if (!p.code().isEmpty()) {
      sb.append(' ').append(p.code());
    } else if (!p.error().isEmpty()) {
      sb.append(' ').append(p.error());
    }
    if (!p.message().isEmpty()) {
      sb.append(" (").append(p.message()).append(')');
    }
    String s = sb.toString();
    if (secret != null && !secret.isEmpty()) {
      s = s.replace(secret, "****");
    }
    s = JWT.matcher(s).replaceAll("****");
    StringBuilder clean = new StringBuilder();
    for (int i = 0; i < s.length() && clean.length() < MAX_MESSAGE; i++) {
      char c = s.charAt(i);
      clean.append(Character.isISOControl(c) ? '?' : c);
    }
    return clean.toString();
  }

  /**
   * Whether a JSON answer is a non-empty array (storage-js's {@code remove} answers what it
   * deleted).
   */
  public static boolean nonEmptyArray(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isArray() && node.size() > 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The {@code signedURL} of a sign answer ({@code {"signedURL":"/object/sign/…?token=…"}}). */
  public static Optional<String> signedPath(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        return Optional.empty();
      }
      JsonNode v = node.has("signedURL") ? node.get("signedURL") : node.get("signedUrl");
      return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
