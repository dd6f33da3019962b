package io.densemesh.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS on the link to a remote runtime ({@code --remote-runtime}), from PEM files that are
 * re-read when they change (see {@code io.densemesh.tls.RuntimeLinkTls}).
 *
 * <p>Rule: a TCP runtime address that is not loopback must be reached over TLS, unless
 * {@code allowPlaintext} says otherwise; on loopback and Unix sockets TLS is optional (the link
 * never leaves the host, or the pod: a sidecar runtime shares the pod's network namespace).
 *
 * @param ca CA bundle the runtime's certificate must chain to; present: the TCP link uses TLS
 * @param cert client certificate chain presented to the runtime (mutual TLS), with {@code key}
 * @param key the client certificate's PKCS#8 key
 * @param authority the name the runtime's certificate must carry (and the {@code :authority}
 *     sent); empty: the host of the address
 * @param allowPlaintext whether a non-loopback TCP runtime may be reached in plaintext
 */
public record RemoteRuntimeTls(Optional<Path> ca, Optional<Path> cert, Optional<Path> key,
    Optional<String> authority, boolean allowPlaintext) {

  /** No TLS, no plaintext allowance. */
  public static final RemoteRuntimeTls OFF = new RemoteRuntimeTls(Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty(), false);

  public RemoteRuntimeTls {
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(authority, "authority");
    require(cert.isPresent() == key.isPresent(),
        "--remote-runtime-cert and --remote-runtime-key go together: give both or neither");
    require(ca.isPresent() || (cert.isEmpty() && authority.isEmpty()),
        "--remote-runtime-cert and --remote-runtime-authority need --remote-runtime-ca (they"
            + " only apply to a TLS link)");
    require(!(ca.isPresent() && allowPlaintext),
        "--remote-runtime-allow-plaintext contradicts --remote-runtime-ca: choose one");
    authority.ifPresent(a -> require(!a.isBlank() && !a.contains("/") && !a.contains(" "),
        "--remote-runtime-authority: '" + a + "' is not a host name"));
    readable("--remote-runtime-ca", ca);
    readable("--remote-runtime-cert", cert);
    readable("--remote-runtime-key", key);
  }

  /** Whether TCP runtime addresses are reached over TLS. */
  public boolean enabled() {
    return ca.isPresent();
  }

  /** Whether any of these settings was given. */
  boolean configured() {
    return enabled() || allowPlaintext;
  }

  /**
   * Checks these settings against the runtime they apply to.
   *
   * @throws ConfigException when TLS settings have no runtime or no TCP address to apply to, or
   *     a non-loopback TCP address would be reached in plaintext without the allowance
   */
  void requireFor(Optional<RemoteRuntimeOption> runtime) {
    if (runtime.isEmpty()) {
      require(!configured(), "--remote-runtime-ca and --remote-runtime-allow-plaintext need"
          + " --remote-runtime");
      return;
    }
    List<GrpcAddress> tcp = List.of(runtime.get().runtime(), runtime.get().data()).stream()
        .filter(a -> !a.unix()).distinct().toList();
    require(!enabled() || !tcp.isEmpty(), "--remote-runtime-ca: the runtime is reached over a"
        + " Unix socket, which stays on this host; TLS applies to TCP addresses only");
    if (enabled() || allowPlaintext) {
      return;
    }
    for (GrpcAddress address : tcp) {
      require(address.loopback(), "--remote-runtime: " + address + " is not a loopback"
          + " address, so the runtime link must use TLS: give --remote-runtime-ca (and"
          + " --remote-runtime-cert/--remote-runtime-key for mutual TLS), or accept a"
          + " plaintext link on a trusted network with --remote-runtime-allow-plaintext");
    }
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
