package io.renderlab.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token verification with nimbus-jose-jwt: the legacy HS256 secret, and ES256/RS256 keys served as
 * a Supabase project serves its JWKS (same JSON shape, same path) by a loopback mockwebserver.
 */
class JwtVerifierTest {
  static final String SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
  static ECKey ec;
  static ECKey ecRotated;
  static RSAKey rsa;
  final Clock clock = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
  final JwtVerifier verifier = JwtVerifier.hs256(SECRET, clock);
  final TestTokens hs = TestTokens.hs256(SECRET, clock);
  MockWebServer supabase;
  String projectUrl;
  String issuer;
  final List<JWK> published = new CopyOnWriteArrayList<>();
  final AtomicInteger jwksFetches = new AtomicInteger();

  /** When set, the JWKS trickles: one byte per second (minutes for a key set). */
  volatile boolean trickle;

  static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @BeforeAll
  static void keys() throws Exception {
    ec =
        new ECKeyGenerator(Curve.P_256)
            .keyID("ec-1")
            .algorithm(JWSAlgorithm.ES256)
            .keyUse(KeyUse.SIGNATURE)
            .generate();
    ecRotated =
        new ECKeyGenerator(Curve.P_256)
            .keyID("ec-2")
            .algorithm(JWSAlgorithm.ES256)
            .keyUse(KeyUse.SIGNATURE)
            .generate();
    rsa =
        new RSAKeyGenerator(2048)
            .keyID("rsa-1")
            .algorithm(JWSAlgorithm.RS256)
            .keyUse(KeyUse.SIGNATURE)
            .generate();
  }

  @BeforeEach
  void startSupabase() throws IOException {
    supabase = new MockWebServer();
    supabase.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            if (!r.getUrl().encodedPath().equals("/auth/v1/.well-known/jwks.json")) {
              return new MockResponse.Builder().code(404).build();
            }
            jwksFetches.incrementAndGet();
            // Supabase's shape:
            // {"keys":[{"alg","crv","ext":true,"key_ops":["verify"],"kid","kty","use","x","y"}]}
            StringBuilder keys = new StringBuilder();
            for (JWK k : published) {
              String json = k.toPublicJWK().toJSONString();
              keys.append(keys.length() == 0 ? "" : ",")
                  .append(json, 0, json.length() - 1)
                  .append(",\"ext\":true,\"key_ops\":[\"verify\"]}");
            }
            MockResponse.Builder response =
                new MockResponse.Builder()
                    .addHeader("Content-Type", "application/json")
                    .addHeader("Cache-Control", "public, max-age=600")
                    .body("{\"keys\":[" + keys + "]}");
            if (trickle) {
              response.throttleBody(1, 1, TimeUnit.SECONDS);
            }
            return response.build();
          }
        });
    supabase.start(InetAddress.getLoopbackAddress(), 0);
    projectUrl = "http://127.0.0.1:" + supabase.getPort();
    issuer = projectUrl + "/auth/v1";
  }

  @AfterEach
  void stopSupabase() throws IOException {
    supabase.close();
  }

  JwtVerifier jwks() {
    return JwtVerifier.builder().supabaseUrl(projectUrl + "/").clock(Clock.systemUTC()).build();
  }

  @Test
  void acceptsALegacyHs256TokenAndReturnsItsSubject() {
    assertThat(verifier.verify(hs.issue("user-123", Duration.ofHours(1)))).isEqualTo("user-123");
  }

  @Test
  void acceptsEs256AndRs256TokensFromTheProjectsJwks() {
    published.addAll(List.of(ec, rsa));
    try (JwtVerifier v = jwks()) {
      assertThat(
              v.verify(
                  TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                      .issue("ada", Duration.ofMinutes(5))))
          .isEqualTo("ada");
      assertThat(
              v.verify(
                  TestTokens.signedWith(rsa, issuer, Clock.systemUTC())
                      .issue("bob", Duration.ofMinutes(5))))
          .isEqualTo("bob");
      assertThat(
              v.verify(
                  TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                      .issue("cy", Duration.ofMinutes(5))))
          .isEqualTo("cy");
    }
    assertThat(jwksFetches).as("the key set is cached").hasValue(1);
  }

  @Test
  void refusesForgedOtherIssuerWrongAudienceExpiredAndUnsignedAsymmetricTokens() throws Exception {
    published.add(ec);
    ECKey attacker =
        new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate(); // same kid, other key
    Clock now = Clock.systemUTC();
    try (JwtVerifier v = jwks()) {
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.signedWith(attacker, issuer, now)
                          .issue("ada", Duration.ofMinutes(5))))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("signature");
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.signedWith(ec, "https://other.supabase.co/auth/v1", now)
                          .issue("ada", Duration.ofMinutes(5))))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("iss");
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.signedWith(ec, null, now).issue("ada", Duration.ofMinutes(5))))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("iss");
      TestTokens good = TestTokens.signedWith(ec, issuer, now);
      assertThatThrownBy(
              () ->
                  v.verify(
                      good.sign(
                          good.claims("ada", Duration.ofMinutes(5)).audience("anon").build())))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("audience");
      assertThatThrownBy(
              () ->
                  v.verify(
                      good.sign(
                          good.claims("ada", Duration.ofMinutes(5))
                              .audience((String) null)
                              .build())))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("audience");
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.signedWith(ec, issuer, Clock.offset(now, Duration.ofHours(-2)))
                          .issue("ada", Duration.ofHours(1))))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("expired");
      assertThatThrownBy(
              () ->
                  v.verify(
                      good.sign(
                          good.claims("ada", Duration.ofHours(2))
                              .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                              .build())))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("nbf");
      String none =
          b64("{\"alg\":\"none\",\"typ\":\"JWT\"}")
              + "."
              + b64(
                  "{\"sub\":\"admin\",\"aud\":\"authenticated\",\"iss\":\""
                      + issuer
                      + "\",\"exp\":9999999999}")
              + ".";
      assertThatThrownBy(() -> v.verify(none))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("alg none");
      // With only the JWKS configured, an HS256 token (for example signed with a public key as the
      // secret) is refused.
      String hsToken =
          TestTokens.hs256(SECRET, now).withIssuer(issuer).issue("ada", Duration.ofMinutes(5));
      assertThatThrownBy(() -> v.verify(hsToken))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("HS256");
      // The genuine token still passes.
      assertThat(v.verify(good.issue("ada", Duration.ofMinutes(5)))).isEqualTo("ada");
    }
  }

  @Test
  void aRotatedKeyIsFetchedOnItsFirstTokenAndUnknownKeyIdsCannotHammerTheJwks() throws Exception {
    published.add(ec);
    try (JwtVerifier v = jwks()) {
      assertThat(
              v.verify(
                  TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                      .issue("ada", Duration.ofMinutes(5))))
          .isEqualTo("ada");
      published.add(ecRotated); // the project rotates: a new key, tokens signed with it
      assertThat(
              v.verify(
                  TestTokens.signedWith(ecRotated, issuer, Clock.systemUTC())
                      .issue("ada", Duration.ofMinutes(5))))
          .isEqualTo("ada");
      assertThat(jwksFetches).hasValue(2);

      for (int i = 0; i < 20; i++) {
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("unknown-" + i).generate();
        assertThatThrownBy(
                () ->
                    v.verify(
                        TestTokens.signedWith(stranger, issuer, Clock.systemUTC())
                            .issue("ada", Duration.ofMinutes(5))))
            .isInstanceOf(JwtVerifier.InvalidTokenException.class)
            .hasMessageContaining("unknown key");
      }
      assertThat(jwksFetches.get()).as("refreshes are rate-limited").isLessThanOrEqualTo(3);
      assertThat(
              v.verify(
                  TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                      .issue("ada", Duration.ofMinutes(5))))
          .isEqualTo("ada");
    }
  }

  /** Polls a condition until it holds, failing after {@code within}. */
  static void await(java.util.function.BooleanSupplier condition, Duration within) {
    long end = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("condition not met within " + within);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Test
  void aTricklingJwksIsCutAtItsDeadlineWhileTheCachedKeysKeepServing() {
    published.add(ec);
    ServerCostControlsTest.MutableClock clock =
        new ServerCostControlsTest.MutableClock(Instant.now());
    TestTokens tokens = TestTokens.signedWith(ec, issuer, clock);
    try (JwtVerifier v =
        JwtVerifier.builder()
            .supabaseUrl(projectUrl)
            .clock(clock)
            .jwksTimeout(Duration.ofMillis(500))
            .build()) {
      assertThat(v.verify(tokens.issue("ada", Duration.ofHours(1)))).isEqualTo("ada");
      assertThat(jwksFetches).hasValue(1);

      trickle = true; // the project's JWKS now takes minutes to send its key set
      clock.now = clock.now.plus(Duration.ofMinutes(6)); // past the cache's 5 minutes
      // Answered from the stale cache at once; the refresh runs in the background.
      assertThat(v.verify(tokens.issue("bob", Duration.ofHours(1)))).isEqualTo("bob");
      await(() -> jwksFetches.get() == 2, Duration.ofSeconds(10));
      assertThat(v.verify(tokens.issue("cy", Duration.ofHours(1))))
          .as("one refresh in flight: tokens meanwhile use the cached keys")
          .isEqualTo("cy");
      // Cut off at its total deadline (500 ms), not when the trickle ends (minutes).
      await(() -> !v.fetchingKeys(), Duration.ofSeconds(10));
      assertThat(v.verify(tokens.issue("dee", Duration.ofHours(1))))
          .as("a failed refresh keeps the cached keys")
          .isEqualTo("dee");
      assertThat(jwksFetches).as("the failed refresh is not retried at once").hasValue(2);

      trickle = false; // healthy again: the next refresh the rate allows brings the keys back
      clock.now = clock.now.plus(JwksCache.RATE_WINDOW);
      assertThat(v.verify(tokens.issue("eve", Duration.ofHours(1)))).isEqualTo("eve");
      await(() -> jwksFetches.get() == 3 && !v.fetchingKeys(), Duration.ofSeconds(10));
    }
  }

  @Test
  void withNothingCachedATricklingJwksCostsOneDeadlineThenAnswers503AtOnce() {
    published.add(ec);
    trickle = true;
    try (JwtVerifier v =
        JwtVerifier.builder().supabaseUrl(projectUrl).jwksTimeout(Duration.ofMillis(500)).build()) {
      String token =
          TestTokens.signedWith(ec, issuer, Clock.systemUTC()).issue("ada", Duration.ofHours(1));
      // A guard against a hang, not a measurement: the trickle alone would take minutes.
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            for (int i = 0; i < 5; i++) {
              assertThatThrownBy(() -> v.verify(token))
                  .isInstanceOf(JwtVerifier.KeysUnavailableException.class);
            }
          });
      assertThat(jwksFetches.get()).as("at most two fetches per 30 s").isLessThanOrEqualTo(2);
    }
  }

  @Test
  void refusesAnonServiceAndRolelessTokensUnlessTheOperatorAllowsTheRole() {
    String anon = hs.sign(hs.claims("ada", Duration.ofHours(1)).claim("role", "anon").build());
    String service =
        hs.sign(hs.claims("ada", Duration.ofHours(1)).claim("role", "service_role").build());
    String none = hs.sign(hs.claims("ada", Duration.ofHours(1)).claim("role", null).build());
    for (String token : List.of(anon, service, none)) {
      assertThatThrownBy(() -> verifier.verify(token))
          .isInstanceOf(JwtVerifier.InvalidTokenException.class)
          .hasMessageContaining("role");
    }
    assertThat(verifier.verify(hs.issue("ada", Duration.ofHours(1)))).isEqualTo("ada");

    JwtVerifier withAnon =
        JwtVerifier.builder()
            .hs256Secret(SECRET)
            .clock(clock)
            .roles(java.util.Set.of("authenticated", "anon"))
            .build();
    assertThat(withAnon.verify(anon)).isEqualTo("ada");
    assertThatThrownBy(() -> withAnon.verify(service))
        .isInstanceOf(JwtVerifier.InvalidTokenException.class);
    assertThatThrownBy(() -> JwtVerifier.builder().roles(java.util.Set.of(" ")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void combinesTheLegacySecretWithTheJwks() {
    published.add(ec);
    try (JwtVerifier v =
        JwtVerifier.builder().hs256Secret(SECRET).supabaseUrl(projectUrl).build()) {
      assertThat(
              v.verify(
                  TestTokens.hs256(SECRET, Clock.systemUTC())
                      .withIssuer(issuer)
                      .issue("legacy", Duration.ofMinutes(5))))
          .isEqualTo("legacy");
      assertThat(
              v.verify(
                  TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                      .issue("modern", Duration.ofMinutes(5))))
          .isEqualTo("modern");
      // iss is required once the project URL is known, for HS256 tokens too.
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.hs256(SECRET, Clock.systemUTC())
                          .issue("legacy", Duration.ofMinutes(5))))
          .hasMessageContaining("iss");
    }
  }

  @Test
  void anUnreachableJwksIsAKeysUnavailableErrorNotARefusal() throws IOException {
    supabase.close();
    try (JwtVerifier v =
        JwtVerifier.builder().supabaseUrl(projectUrl).jwksTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(
              () ->
                  v.verify(
                      TestTokens.signedWith(ec, issuer, Clock.systemUTC())
                          .issue("ada", Duration.ofMinutes(5))))
          .isInstanceOf(JwtVerifier.KeysUnavailableException.class);
    }
  }

  @Test
  void acceptsALocalPlainHttpProjectButNotOtherSchemes() {
    assertThat(JwtVerifier.builder().supabaseUrl("http://127.0.0.1:54321").build().toString())
        .contains("http://127.0.0.1:54321/auth/v1");
    for (String bad :
        List.of(
            "ftp://x.supabase.co",
            "javascript:alert(1)",
            "https://x.supabase.co?a=b",
            "not a url",
            "https://user@x.co")) {
      assertThatThrownBy(() -> JwtVerifier.builder().supabaseUrl(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> JwtVerifier.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refusesAlgNoneAndOtherAlgorithms() {
    String payload = b64("{\"sub\":\"admin\",\"aud\":\"authenticated\",\"exp\":9999999999}");
    assertThatThrownBy(() -> verifier.verify(b64("{\"alg\":\"none\"}") + "." + payload + "."))
        .hasMessageContaining("alg none");
    assertThatThrownBy(() -> verifier.verify(b64("{\"alg\":\"RS256\"}") + "." + payload + ".c2ln"))
        .hasMessageContaining("HS256 only");
    assertThatThrownBy(() -> verifier.verify(b64("{\"alg\":\"HS512\"}") + "." + payload + ".c2ln"))
        .hasMessageContaining("HS256 only");
  }

  @Test
  void refusesATamperedPayload() {
    String token = hs.issue("user-123", Duration.ofHours(1));
    String[] parts = token.split("\\.");
    String forged =
        parts[0]
            + "."
            + b64("{\"sub\":\"admin\",\"aud\":\"authenticated\",\"exp\":9999999999}")
            + "."
            + parts[2];
    assertThatThrownBy(() -> verifier.verify(forged)).hasMessageContaining("signature");
  }

  @Test
  void refusesATokenSignedWithAnotherSecret() {
    String other = TestTokens.hs256(SECRET + "x", clock).issue("user-123", Duration.ofHours(1));
    assertThatThrownBy(() -> verifier.verify(other)).hasMessageContaining("signature");
  }

  @Test
  void refusesExpiredTokensButToleratesSmallSkew() {
    TestTokens past = TestTokens.hs256(SECRET, Clock.offset(clock, Duration.ofHours(-2)));
    assertThatThrownBy(() -> verifier.verify(past.issue("u", Duration.ofHours(1))))
        .hasMessageContaining("expired");
    TestTokens justNow = TestTokens.hs256(SECRET, Clock.offset(clock, Duration.ofSeconds(-70)));
    assertThat(verifier.verify(justNow.issue("u", Duration.ofSeconds(60)))).isEqualTo("u");
  }

  @Test
  void refusesTokensNotValidYet() {
    String withNbf =
        hs.sign(
            hs.claims("u", Duration.ofHours(2))
                .notBeforeTime(Date.from(clock.instant().plusSeconds(3600)))
                .build());
    assertThatThrownBy(() -> verifier.verify(withNbf)).hasMessageContaining("nbf");
    String soon =
        hs.sign(
            hs.claims("u", Duration.ofHours(2))
                .notBeforeTime(Date.from(clock.instant().plusSeconds(10)))
                .build());
    assertThat(verifier.verify(soon)).isEqualTo("u");
  }

  @Test
  void refusesTokensWithoutExpiryOrSubjectAndGarbage() {
    JWTClaimsSet noExp = new JWTClaimsSet.Builder().subject("u").audience("authenticated").build();
    assertThatThrownBy(() -> verifier.verify(hs.sign(noExp))).hasMessageContaining("exp");
    JWTClaimsSet noSub =
        new JWTClaimsSet.Builder()
            .audience("authenticated")
            .expirationTime(Date.from(clock.instant().plusSeconds(60)))
            .build();
    assertThatThrownBy(() -> verifier.verify(hs.sign(noSub))).hasMessageContaining("sub");
    assertThatThrownBy(() -> verifier.verify("not-a-jwt")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> verifier.verify("")).hasMessageContaining("missing");
    assertThatThrownBy(() -> verifier.verify("a".repeat(20_000))).hasMessageContaining("malformed");
    assertThatThrownBy(() -> JwtVerifier.hs256("short", clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void neverPrintsTheSecret() {
    assertThat(verifier.toString()).doesNotContain(SECRET);
  }
}
