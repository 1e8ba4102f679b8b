package io.renderlab.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Mints Supabase-shaped access tokens for tests (HS256 with a secret, ES256/RS256 with a JWK). */
final class TestTokens {
  private final JWSSigner signer;
  private final JWSAlgorithm alg;
  private final String kid;
  private final Clock clock;
  private final String issuer;

  private TestTokens(JWSSigner signer, JWSAlgorithm alg, String kid, Clock clock, String issuer) {
    this.signer = signer;
    this.alg = alg;
    this.kid = kid;
    this.clock = clock;
    this.issuer = issuer;
  }

  static TestTokens hs256(String secret, Clock clock) {
    try {
      return new TestTokens(
          new MACSigner(secret.getBytes(StandardCharsets.UTF_8)),
          JWSAlgorithm.HS256,
          null,
          clock,
          null);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ES256 for an EC P-256 key, RS256 for an RSA key; the key's id goes in the header. */
  static TestTokens signedWith(JWK key, String issuer, Clock clock) {
    try {
      if (key instanceof ECKey) {
        return new TestTokens(
            new ECDSASigner((ECKey) key), JWSAlgorithm.ES256, key.getKeyID(), clock, issuer);
      }
      return new TestTokens(
          new RSASSASigner((RSAKey) key), JWSAlgorithm.RS256, key.getKeyID(), clock, issuer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The same signer with another issuer ({@code null}: none). */
  TestTokens withIssuer(String iss) {
    return new TestTokens(signer, alg, kid, clock, iss);
  }

  /** A signed-in user's token: {@code aud} authenticated, {@code role} authenticated. */
  String issue(String sub, Duration lifetime) {
    return sign(claims(sub, lifetime).build());
  }

  JWTClaimsSet.Builder claims(String sub, Duration lifetime) {
    Instant now = clock.instant();
    JWTClaimsSet.Builder b =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .audience("authenticated")
            .claim("role", "authenticated")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)));
    if (issuer != null) {
      b.issuer(issuer);
    }
    return b;
  }

  String sign(JWTClaimsSet claims) {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
