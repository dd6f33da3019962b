package io.densemesh.auth;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credential files (a JWKS document and an API key list), loaded at start and re-read when
 * their content changes ({@link #refresh}, called periodically). A file that no longer parses is
 * logged and the last good version kept, so a half-written file never locks everyone out.
 */
public final class CredentialFiles {

  private static final Logger log = LoggerFactory.getLogger(CredentialFiles.class);

  /** What the files say now: a JWT verifier when a key set is configured, and the API keys. */
  public record Credentials(Optional<JwtVerifier> jwt, ApiKeys apiKeys) {}

  private final Optional<Path> jwksFile;
  private final Optional<Path> apiKeysFile;
  private final JwtRules rules;
  private final Clock clock;
  private byte[] jwksBytes = new byte[0];
  private byte[] apiKeysBytes = new byte[0];
  private volatile Credentials current;

  private CredentialFiles(Optional<Path> jwksFile, Optional<Path> apiKeysFile, JwtRules rules,
      Clock clock) {
    this.jwksFile = jwksFile;
    this.apiKeysFile = apiKeysFile;
    this.rules = rules;
    this.clock = clock;
  }

  /**
   * Loads both files.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static CredentialFiles load(Optional<Path> jwksFile, Optional<Path> apiKeysFile,
      JwtRules rules, Clock clock) {
    CredentialFiles files = new CredentialFiles(jwksFile, apiKeysFile, rules, clock);
    files.current = new Credentials(Optional.empty(), ApiKeys.none());
    files.reload(true);
    return files;
  }

  public Credentials current() {
    return current;
  }

  /** Re-reads the files; true when what they say changed (callers drop cached verdicts). */
  public synchronized boolean refresh() {
    try {
      return reload(false);
    } catch (IllegalArgumentException e) {
      log.warn("keeping the previous credentials: {}", e.getMessage());
      return false;
    }
  }

  private boolean reload(boolean first) {
    byte[] jwks = read(jwksFile);
    byte[] keys = read(apiKeysFile);
    if (!first && Arrays.equals(jwks, jwksBytes) && Arrays.equals(keys, apiKeysBytes)) {
      return false;
    }
    Optional<JwtVerifier> jwt = jwksFile.map(f -> new JwtVerifier(parseJwks(f, jwks), rules,
        clock));
    ApiKeys apiKeys = apiKeysFile.map(f -> parseKeys(f, keys)).orElse(ApiKeys.none());
    current = new Credentials(jwt, apiKeys);
    jwksBytes = jwks;
    apiKeysBytes = keys;
    if (!first) {
      log.info("credentials reloaded: {} API keys{}", apiKeys.size(),
          jwt.isPresent() ? " and the JWT key set" : "");
    }
    return true;
  }

  private static byte[] read(Optional<Path> file) {
    if (file.isEmpty()) {
      return new byte[0];
    }
    try {
      return Files.readAllBytes(file.get());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file.get() + ": " + e);
    }
  }

  private static JWKSet parseJwks(Path file, byte[] bytes) {
    try {
      JWKSet set = JWKSet.parse(new String(bytes, StandardCharsets.UTF_8));
      if (set.getKeys().isEmpty()) {
        throw new IllegalArgumentException(file + " lists no keys");
      }
      return set;
    } catch (ParseException e) {
      throw new IllegalArgumentException(file + " is not a JWKS document: " + e.getMessage());
    }
  }

  private static ApiKeys parseKeys(Path file, byte[] bytes) {
    try {
      return ApiKeys.parse(new String(bytes, StandardCharsets.UTF_8).lines().toList());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
  }
}
