package io.densemesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.UnauthenticatedException;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {

  static final Tokens TOKENS = new Tokens();

  @TempDir Path dir;
  final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z").toEpochMilli());
  Path keys;
  Authenticator auth;

  @BeforeEach
  void setUp() throws Exception {
    keys = dir.resolve("api-keys");
    Files.write(keys, List.of("# test keys", Tokens.apiKeyLine("key-of-a", "a", "tenant"),
        Tokens.apiKeyLine("key-of-root", "-", "admin")));
    auth = new Authenticator(CredentialFiles.load(
        Optional.of(TOKENS.writeJwks(dir.resolve("jwks.json"))), Optional.of(keys),
        new JwtRules(Tokens.ISSUER, Tokens.AUDIENCE, Duration.ofSeconds(30), "tenant", "role"),
        clock), clock);
  }

  String bearer(String token) {
    return "Bearer " + token;
  }

  Instant now() {
    return clock.instant();
  }

  @Test
  void aValidJwtGivesItsTenantAndRole() {
    assertThat(auth.authenticate(bearer(TOKENS.jwt("a", "reader", now()))))
        .isEqualTo(new Principal("user-of-a", "a", Role.READER));
    assertThat(auth.authenticate(bearer(TOKENS.jwt("b", null, now()))).role())
        .as("no role claim: a tenant").isEqualTo(Role.TENANT);
  }

  @Test
  void anApiKeyIsKnownByItsHash() throws Exception {
    assertThat(auth.authenticate("bearer key-of-a").tenant()).isEqualTo("a");
    assertThat(auth.authenticate(bearer("key-of-root")).role()).isEqualTo(Role.ADMIN);
    assertThat(Files.readString(keys)).doesNotContain("key-of-a");
    assertThatThrownBy(() -> auth.authenticate(bearer("key-of-nobody")))
        .isInstanceOf(UnauthenticatedException.class).hasMessageContaining("not a known API key");
  }

  @Test
  void missingOrNonBearerCredentialsAreRefused() {
    assertThatThrownBy(() -> auth.authenticate(null))
        .isInstanceOf(UnauthenticatedException.class).hasMessageContaining("missing credentials");
    assertThatThrownBy(() -> auth.authenticate("Basic dXNlcjpwdw=="))
        .isInstanceOf(UnauthenticatedException.class).hasMessageContaining("Bearer");
  }

  @Test
  void anExpiredJwtIsRefusedBeyondTheClockSkew() {
    String token = TOKENS.jwt("a", "tenant", now().minus(Duration.ofMinutes(60)).plusSeconds(10));
    assertThat(auth.authenticate(bearer(token)).tenant()).isEqualTo("a");
    clock.advance(Duration.ofSeconds(30)); // 20 s past exp: inside the 30 s skew
    assertThat(auth.authenticate(bearer(token)).tenant()).isEqualTo("a");
    clock.advance(Duration.ofSeconds(30)); // 50 s past exp: the cached verdict lapses too
    assertThatThrownBy(() -> auth.authenticate(bearer(token)))
        .isInstanceOf(UnauthenticatedException.class).hasMessageContaining("expired");
  }

  @Test
  void wrongAudienceIssuerOrKeyIsRefused() {
    assertThatThrownBy(() -> auth.authenticate(bearer(TOKENS.jwt(
        TOKENS.claims("a", "tenant", now()).audience("someone-else").build()))))
        .hasMessageContaining("wrong audience");
    assertThatThrownBy(() -> auth.authenticate(bearer(TOKENS.jwt(
        TOKENS.claims("a", "tenant", now()).issuer("https://evil.test").build()))))
        .hasMessageContaining("wrong issuer");
    assertThatThrownBy(() -> auth.authenticate(bearer(new Tokens("other").jwt("a", "admin",
        now())))).hasMessageContaining("signature not verified");
    assertThatThrownBy(() -> auth.authenticate(bearer(TOKENS.jwt(
        TOKENS.claims("a", "tenant", now()).notBeforeTime(
            Date.from(now().plus(Duration.ofMinutes(5)))).build()))))
        .hasMessageContaining("not valid yet");
    assertThatThrownBy(() -> auth.authenticate(bearer(TOKENS.jwt(null, "tenant", now()))))
        .hasMessageContaining("no tenant claim");
    assertThatThrownBy(() -> auth.authenticate(bearer(TOKENS.jwt("a", "root", now()))))
        .hasMessageContaining("role must be tenant, admin or reader");
  }

  @Test
  void aRemovedApiKeyStopsWorkingAfterTheFileIsReread() throws Exception {
    assertThat(auth.authenticate(bearer("key-of-a")).tenant()).isEqualTo("a");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-of-root", "-", "admin")));
    auth.refresh();
    assertThatThrownBy(() -> auth.authenticate(bearer("key-of-a")))
        .isInstanceOf(UnauthenticatedException.class);
  }

  @Test
  void aBrokenFileKeepsThePreviousKeys() throws Exception {
    Files.writeString(keys, "not a key line\n");
    auth.refresh();
    assertThat(auth.authenticate(bearer("key-of-a")).tenant()).isEqualTo("a");
  }

  @Test
  void badKeyFilesNameTheLine() {
    assertThatThrownBy(() -> ApiKeys.parse(List.of("abc a tenant")))
        .hasMessageContaining("line 1").hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> ApiKeys.parse(List.of("", Tokens.apiKeyLine("k", "a", "boss"))))
        .hasMessageContaining("line 2").hasMessageContaining("role");
    assertThatThrownBy(() -> ApiKeys.parse(List.of(Tokens.apiKeyLine("k", "-", "tenant"))))
        .hasMessageContaining("needs a tenant");
  }
}
