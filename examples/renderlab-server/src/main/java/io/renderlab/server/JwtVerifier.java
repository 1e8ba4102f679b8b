package io.renderlab.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Supabase access tokens with nimbus-jose-jwt: HS256 with the project's (legacy) JWT
 * secret, and/or ES256 and RS256 with the public keys the project publishes at {@code <project
 * URL>/auth/v1/.well-known/jwks.json}.
 *
 * <p>The algorithm is chosen by what is configured, never by the token: HS256 only with a secret,
 * ES256 and RS256 only with a project URL; {@code alg: none}, encrypted tokens and every other
 * algorithm are refused. Checked claims: {@code aud} must be {@code authenticated}; {@code iss}
 * must be {@code <project URL>/auth/v1} when a project URL is set; {@code exp} is required and
 * {@code nbf} honoured, with a 30-second leeway; {@code role} must be {@code authenticated} (or a
 * role the operator allowed with {@link Builder#roles}), so the project's {@code anon} key is not a
 * user; {@code sub} is the user id.
 *
 * <p>The key set is fetched at the first asymmetric token, cached for 5 minutes, fetched again when
 * a token names a key id it does not hold (key rotation), at most twice per 30 seconds whatever
 * tokens arrive, and kept through an outage of the project (up to an hour). A fetch has a total
 * deadline and runs outside any lock: while it runs or after it failed, the cached keys keep
 * serving, so a slow key-set server costs sign-ins at most one deadline. Thread-safe. A plain-http
 * or loopback project URL is allowed, because a local Supabase (its CLI's stack) runs at {@code
 * http://127.0.0.1:54321}.
 *
 * <pre>{@code
 * JwtVerifier tokens = JwtVerifier.builder().supabaseUrl("https://abcd.supabase.co").build();
 * String userId = tokens.verify(bearerToken);
 * }</pre>
 */
public final class JwtVerifier implements AutoCloseable {
  /** The role Supabase puts in the tokens of signed-in users, the only one accepted by default. */
  public static final String DEFAULT_ROLE = "authenticated";

  /** The audience Supabase puts in the tokens of signed-in users. */
  public static final String AUDIENCE = "authenticated";

  private static final Duration LEEWAY = Duration.ofSeconds(30);
  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final Set<JWSAlgorithm> ASYMMETRIC =
      Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256);

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final JWKSource<SecurityContext> keys;
  private final boolean hasSecret;
  private final String issuer;
  private final Set<String> roles;

  private JwtVerifier(Builder b) {
    this.hasSecret = b.secret != null;
    this.roles = Set.copyOf(b.roles);
    this.issuer = b.supabaseUrl == null ? null : b.supabaseUrl + "/auth/v1";
    this.keys = b.supabaseUrl == null ? null : jwks(b);
    Key secretKey = b.secret == null ? null : new SecretKeySpec(b.secret, "HmacSHA256");
    JWSKeySelector<SecurityContext> asymmetric =
        keys == null ? null : new JWSVerificationKeySelector<>(ASYMMETRIC, keys);
    processor = new DefaultJWTProcessor<>();
    // The key follows from the algorithm, and the algorithm is checked against the configuration
    // before this runs; an HS256 token gets the secret whatever its kid (Supabase adds one).
    processor.setJWSKeySelector(
        (JWSHeader header, SecurityContext context) -> {
          if (JWSAlgorithm.HS256.equals(header.getAlgorithm())) {
            return secretKey == null ? List.of() : List.of(secretKey);
          }
          return asymmetric == null ? List.of() : asymmetric.selectJWSKeys(header, context);
        });
    JWTClaimsSet exact = issuer == null ? null : new JWTClaimsSet.Builder().issuer(issuer).build();
    Clock clock = b.clock;
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(Set.of(AUDIENCE), exact, Set.of("sub", "exp"), null) {
          @Override
          protected Date currentTime() {
            return Date.from(clock.instant());
          }
        };
    claims.setMaxClockSkew((int) LEEWAY.toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  private static JWKSource<SecurityContext> jwks(Builder b) {
    URI url;
    try {
      url = new URI(b.supabaseUrl + "/auth/v1/.well-known/jwks.json");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("supabaseUrl is not a URL: " + e.getMessage(), e);
    }
    return new JwksCache(url, b.jwksTimeout, b.clock);
  }

  /** A verifier of HS256 tokens signed with {@code secret}, the project's legacy JWT secret. */
  public static JwtVerifier hs256(String secret, Clock clock) {
    return builder().hs256Secret(secret).clock(clock).build();
  }

  /** A builder; at least a secret or a project URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Why a token was refused; the message is safe to return to the client. */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The project's key set could not be fetched, so the token could be neither accepted nor refused.
   */
  public static final class KeysUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeysUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Checks a token and returns its subject (the user id).
   *
   * @throws InvalidTokenException if the token is malformed, unsigned, signed with an algorithm or
   *     a key this verifier does not accept, badly signed, for another issuer or audience, expired,
   *     not yet valid, or without a subject
   * @throws KeysUnavailableException if the project's key set cannot be fetched
   */
  public String verify(String token) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException("missing bearer token");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidTokenException("malformed token (too long)");
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token.strip());
    } catch (ParseException e) {
      throw new InvalidTokenException("malformed token");
    }
    if (!(jwt instanceof SignedJWT)) {
      throw new InvalidTokenException(
          "unsigned (alg none) and encrypted tokens are refused; send a signed access token");
    }
    JWSAlgorithm alg = ((SignedJWT) jwt).getHeader().getAlgorithm();
    boolean accepted =
        JWSAlgorithm.HS256.equals(alg) ? hasSecret : ASYMMETRIC.contains(alg) && keys != null;
    if (!accepted) {
      throw new InvalidTokenException(
          "token algorithm " + alg + " is not accepted; this server accepts " + accepted());
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process((SignedJWT) jwt, null);
    } catch (RateLimitReachedException e) {
      // Only a token naming a key id we do not hold gets here, more often than keys rotate.
      throw new InvalidTokenException("token signed with an unknown key");
    } catch (KeySourceException e) {
      throw new KeysUnavailableException(
          "cannot fetch the project's signing keys ("
              + issuer
              + "/.well-known/jwks.json); try again",
          e);
    } catch (ExpiredJWTException e) {
      throw new InvalidTokenException("token expired");
    } catch (BadJWSException e) {
      throw new InvalidTokenException("invalid token signature");
    } catch (BadJWTException e) {
      throw new InvalidTokenException(claimProblem(e.getMessage()));
    } catch (BadJOSEException | JOSEException e) {
      boolean noKey =
          String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("no matching key");
      throw new InvalidTokenException(noKey ? "token signed with an unknown key" : "invalid token");
    }
    Object role = claims.getClaim("role");
    if (!(role instanceof String) || !roles.contains(role)) {
      // Supabase's anon and service keys are JWTs of the same project: only a signed-in user's
      // token (role authenticated) acts as a user unless the operator allows more.
      throw new InvalidTokenException(
          "token role "
              + (role instanceof String ? "'" + abbreviate((String) role) + "'" : "(none)")
              + " is not accepted; sign in and send the user's access token");
    }
    Object sub = claims.getClaim("sub");
    if (!(sub instanceof String) || ((String) sub).isBlank() || ((String) sub).length() > 255) {
      throw new InvalidTokenException("token has no subject (sub)");
    }
    return (String) sub;
  }

  private static String abbreviate(String s) {
    String clean = s.replaceAll("[^A-Za-z0-9_.-]", "?");
    return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
  }

  private static String claimProblem(String nimbus) {
    String m = String.valueOf(nimbus);
    if (m.startsWith("JWT missing required claims")) {
      return m.contains("sub")
          ? "token has no subject (sub)"
          : m.contains("exp")
              ? "token has no expiry (exp)"
              : m.contains("aud")
                  ? "token audience is not '" + AUDIENCE + "'"
                  : "token issued by another project (iss)";
    }
    if (m.startsWith("JWT aud") || m.startsWith("JWT missing required aud")) {
      return "token audience is not '" + AUDIENCE + "'";
    }
    if (m.startsWith("JWT iss")) {
      return "token issued by another project (iss)";
    }
    if (m.contains("before use time")) {
      return "token not valid yet (nbf)";
    }
    return "invalid token claims";
  }

  private String accepted() {
    return hasSecret && keys != null
        ? "HS256, ES256 and RS256"
        : hasSecret ? "HS256 only" : "ES256 and RS256 only";
  }

  /** Whether a key-set fetch is running (for tests). */
  boolean fetchingKeys() {
    return keys instanceof JwksCache && ((JwksCache) keys).fetching();
  }

  /** Releases the key-set cache. */
  @Override
  public void close() {
    if (keys instanceof AutoCloseable) {
      try {
        ((AutoCloseable) keys).close();
      } catch (Exception e) {
        // nothing held but memory
      }
    }
  }

  @Override
  public String toString() {
    return "JwtVerifier{accepts="
        + accepted()
        + (issuer == null ? "" : ", iss=" + issuer)
        + ", secret="
        + (hasSecret ? "****" : "none")
        + ", leeway="
        + LEEWAY
        + '}';
  }

  /** Builds a {@link JwtVerifier}. Not thread-safe. */
  public static final class Builder {
    private byte[] secret;
    private String supabaseUrl;
    private Clock clock = Clock.systemUTC();
    private Duration jwksTimeout = Duration.ofSeconds(3);
    private Set<String> roles = Set.of(DEFAULT_ROLE);

    private Builder() {}

    /**
     * The {@code role} claims accepted; default {@value JwtVerifier#DEFAULT_ROLE} only. Supabase
     * signs its {@code anon} and {@code service_role} API keys like user tokens: allow {@code anon}
     * here only to let anonymous API-key callers act as users (their {@code sub}).
     *
     * @throws IllegalArgumentException if the set is empty or holds a blank role
     */
    public Builder roles(Set<String> accepted) {
      Objects.requireNonNull(accepted, "roles");
      if (accepted.isEmpty() || accepted.stream().anyMatch(r -> r == null || r.isBlank())) {
        throw new IllegalArgumentException("roles must name at least one non-blank role");
      }
      this.roles = Set.copyOf(accepted);
      return this;
    }

    /**
     * The project's legacy JWT secret (Supabase: Settings → API → JWT secret), for HS256 tokens.
     *
     * @throws IllegalArgumentException if it is shorter than 32 bytes
     */
    public Builder hs256Secret(String secret) {
      Objects.requireNonNull(secret, "secret");
      byte[] key = secret.getBytes(StandardCharsets.UTF_8);
      if (key.length < 32) {
        throw new IllegalArgumentException("the JWT secret must be at least 32 bytes for HS256");
      }
      this.secret = key;
      return this;
    }

    /**
     * The Supabase project URL (for example {@code https://abcd.supabase.co}, or {@code
     * http://127.0.0.1:54321} for a local stack): its JWKS verifies ES256 and RS256 tokens and
     * {@code iss} must be {@code <url>/auth/v1}.
     *
     * @throws IllegalArgumentException if it is not an http(s) URL without query or fragment
     */
    public Builder supabaseUrl(String url) {
      Objects.requireNonNull(url, "supabaseUrl");
      URI uri;
      try {
        uri = new URI(url.strip());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("supabaseUrl is not a URL: " + e.getMessage(), e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")
          || uri.getHost() == null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null
          || uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "supabaseUrl must be the project's http(s) URL such as https://abcd.supabase.co, was "
                + url.strip());
      }
      String s = uri.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      this.supabaseUrl = s;
      return this;
    }

    /** The clock for {@code exp} and {@code nbf}; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The total deadline of a key-set fetch (connect, headers and body): a response still arriving
     * then is cut off. Default 3 seconds. Tokens are verified with the cached keys meanwhile.
     */
    public Builder jwksTimeout(Duration timeout) {
      if (timeout == null
          || timeout.isNegative()
          || timeout.isZero()
          || timeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("jwksTimeout must be positive");
      }
      this.jwksTimeout = timeout;
      return this;
    }

    /** Builds the verifier; fetches nothing yet. */
    public JwtVerifier build() {
      if (secret == null && supabaseUrl == null) {
        throw new IllegalStateException("set hs256Secret(...) and/or supabaseUrl(...)");
      }
      return new JwtVerifier(this);
    }
  }
}
