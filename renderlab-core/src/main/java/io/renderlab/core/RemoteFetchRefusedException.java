package io.renderlab.core;

/**
 * The fetch policy refused a URL or its content: nothing was stored. Not retryable; the message
 * says why and how to lift the refusal if it is intended.
 */
public class RemoteFetchRefusedException extends InputRejectedException {
  private static final long serialVersionUID = 1L;

  /** Why a fetch was refused. */
  public enum Reason {
    /** Not http, https or data. */
    SCHEME,
    /** The URL carries a user name or password. */
    CREDENTIALS,
    /** The host resolves to a loopback, private, link-local or otherwise non-public address. */
    PRIVATE_ADDRESS,
    /** More redirects than allowed. */
    TOO_MANY_REDIRECTS,
    /** The body is larger than the byte cap. */
    TOO_LARGE,
    /** The body is not a recognised image. */
    NOT_AN_IMAGE,
    /** The URL is malformed. */
    MALFORMED,
    /**
     * The strict policy for end users' URLs ({@link RemoteFetcher#strict()}): the host is not
     * public, does not resolve, or did not answer; which of these is deliberately not told.
     */
    UNREACHABLE
  }

  private final Reason reason;
  private final String redactedUrl;

  /**
   * Creates an exception.
   *
   * @param reason why
   * @param redactedUrl the URL, already passed through {@link Redaction#url}
   * @param message the full message
   */
  public RemoteFetchRefusedException(Reason reason, String redactedUrl, String message) {
    super(message);
    this.reason = reason;
    this.redactedUrl = redactedUrl;
  }

  /** Why the fetch was refused. */
  public Reason reason() {
    return reason;
  }

  /** The refused URL, redacted (no credentials, no query string). */
  public String redactedUrl() {
    return redactedUrl;
  }
}
