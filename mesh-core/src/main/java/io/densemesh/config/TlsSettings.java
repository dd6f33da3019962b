package io.densemesh.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for the node's servers and its links to peers, from PEM files that are re-read when they
 * change (see {@code io.densemesh.tls.NodeTls}).
 *
 * @param cert certificate chain the node serves (and presents to peers); empty: TLS off
 * @param key the chain's private key (PKCS#8 PEM)
 * @param clientCa CA bundle that clients of the gRPC and REST ports must present a certificate
 *     from (mutual TLS); empty: no client certificate asked for
 * @param meshCa CA bundle mesh members' certificates chain to: peer links verify it and present
 *     this node's certificate; empty: {@code clientCa}, else the system trust store is not used
 *     and a mesh needs one
 * @param reloadInterval how often the files are checked for changes
 */
public record TlsSettings(
    Optional<Path> cert,
    Optional<Path> key,
    Optional<Path> clientCa,
    Optional<Path> meshCa,
    Duration reloadInterval) {

  /** TLS off. */
  public static final TlsSettings OFF = new TlsSettings(Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Duration.ofSeconds(30));

  public TlsSettings {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(clientCa, "clientCa");
    Objects.requireNonNull(meshCa, "meshCa");
    Objects.requireNonNull(reloadInterval, "reloadInterval");
    require(cert.isPresent() == key.isPresent(),
        "--tls-cert and --tls-key go together: give both or neither");
    require(cert.isPresent() || (clientCa.isEmpty() && meshCa.isEmpty()),
        "--tls-client-ca and --tls-mesh-ca need --tls-cert and --tls-key");
    require(reloadInterval.compareTo(Duration.ofMillis(100)) >= 0,
        "--tls-reload must be at least 100ms, got " + reloadInterval);
    readable("--tls-cert", cert);
    readable("--tls-key", key);
    readable("--tls-client-ca", clientCa);
    readable("--tls-mesh-ca", meshCa);
  }

  public boolean enabled() {
    return cert.isPresent();
  }

  /** The CA peers are checked against: {@code meshCa}, else {@code clientCa}. */
  public Optional<Path> peerCa() {
    return meshCa.or(() -> clientCa);
  }

  private static void readable(String option, Optional<Path> file) {
    file.ifPresent(f -> require(Files.isReadable(f), option + ": cannot read " + f));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
