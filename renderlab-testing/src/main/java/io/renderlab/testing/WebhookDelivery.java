package io.renderlab.testing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * A webhook delivery as Replicate sends it: the URL the prediction asked for, the signed headers
 * and the body (the prediction's JSON). POST it to the host's endpoint with any HTTP client.
 *
 * <p>A record that will not grow: it is what Replicate's webhook request holds (URL, headers,
 * body), a test fixture's value compared and taken apart in tests.
 *
 * @param url the prediction's {@code webhook}, when it asked for one
 * @param headers {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}, {@code
 *     Content-Type}
 * @param body the prediction's JSON
 */
public record WebhookDelivery(Optional<String> url, Map<String, String> headers, byte[] body) {
  /** Copies the headers and the body. */
  public WebhookDelivery {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  /** The body. */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
