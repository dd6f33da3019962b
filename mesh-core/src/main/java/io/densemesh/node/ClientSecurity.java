package io.densemesh.node;

import io.densemesh.auth.Authenticator;
import io.densemesh.auth.CredentialFiles;
import io.densemesh.config.AuthSettings;
import io.densemesh.config.ConfigException;
import io.densemesh.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up decisions about who may reach the node: the client authenticator (when
 * authentication is on), the secret that guards the internal port, and what the node says about
 * both when it starts.
 *
 * <p>The internal port needs a mesh secret whenever clients must authenticate: with etcd the
 * operator gives one ({@code --mesh-secret-file}; starting without is an error); a single node
 * has no peers, so it makes up a random one nobody else knows.
 */
final class ClientSecurity {

  private static final Logger log = LoggerFactory.getLogger(ClientSecurity.class);
  private static final int MIN_SECRET_LENGTH = 16;

  private ClientSecurity() {}

  static Optional<Authenticator> authenticator(AuthSettings auth, Clock clock) {
    if (!auth.enabled()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Authenticator(
          CredentialFiles.load(auth.jwksFile(), auth.apiKeysFile(), auth.jwt(), clock), clock));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("credentials: " + e.getMessage());
    }
  }

  static Optional<String> meshSecret(NodeConfig config) {
    AuthSettings auth = config.auth();
    if (auth.meshSecretFile().isPresent()) {
      String secret;
      try {
        secret = Files.readString(auth.meshSecretFile().get(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ConfigException("--mesh-secret-file: cannot read "
            + auth.meshSecretFile().get() + ": " + e.getMessage());
      }
      if (secret.length() < MIN_SECRET_LENGTH || !secret.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new ConfigException("--mesh-secret-file: the secret must be at least "
            + MIN_SECRET_LENGTH + " printable ASCII characters without spaces");
      }
      return Optional.of(secret);
    }
    if (!auth.enabled()) {
      return Optional.empty();
    }
    if (config.mesh().usesEtcd()) {
      throw new ConfigException("authentication is on, so the internal port must be protected:"
          + " give every node of the mesh the same --mesh-secret-file");
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return Optional.of(HexFormat.of().formatHex(random));
  }

  /** Says at start how the node is exposed, loudly when it is open. */
  static void announce(NodeConfig config, boolean meshSecret) {
    AuthSettings auth = config.auth();
    if (auth.enabled()) {
      log.info("client authentication on ({}{}); internal port protected by {}",
          auth.jwksFile().map(f -> "JWTs from " + f).orElse(""),
          auth.apiKeysFile().map(f -> (auth.jwksFile().isPresent() ? ", " : "")
              + "API keys from " + f).orElse(""),
          meshSecret ? "the mesh secret" : "nothing");
    } else if (config.bindHost().equals(config.host()) && !config.loopbackOnly()
        && config.bindHost().startsWith("127.")) {
      log.info("client authentication is off; listening on loopback ({}) only", config.host());
    } else if (config.loopbackOnly()) {
      log.warn("client authentication is OFF: listening on 127.0.0.1 only (not {}); configure"
          + " --jwks-file or --api-keys-file, or pass --insecure to listen on {} without it",
          config.host(), config.host());
    } else {
      log.warn("client authentication is OFF and the node listens on {}: anyone who reaches it"
          + " can do anything{}", config.host(), auth.insecure() ? " (--insecure)" : "");
    }
  }
}
