package io.densemesh.runtimeserver;

import io.densemesh.config.ConfigException;
import io.densemesh.config.GrpcAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Options of {@code densemesh runtime} (read by {@code io.densemesh.cli.RuntimeCommand}),
 * validated here.
 *
 * @param listen TCP {@code host:port} or {@code unix:/path} to serve on
 * @param capacityBytes memory reported to nodes for models
 * @param loadingSlots loads run at once (reported as maxLoadingConcurrency)
 * @param loadTimeout reported as modelLoadingTimeoutMs: the node cancels slower loads
 * @param defaultModelSizeBytes reported default model size
 * @param intraOpThreads threads one ONNX inference may use
 * @param maxMessageBytes largest request accepted
 * @param maxTensorElements largest element count one input tensor may describe
 * @param tls TLS on a TCP listen address; {@link ServingTls#OFF}: plaintext
 */
public record RuntimeServerOptions(
    GrpcAddress listen,
    long capacityBytes,
    int loadingSlots,
    Duration loadTimeout,
    long defaultModelSizeBytes,
    int intraOpThreads,
    int maxMessageBytes,
    long maxTensorElements,
    ServingTls tls) {

  /**
   * The runtime server's TLS files.
   *
   * @param cert certificate chain served; empty: plaintext
   * @param key its PKCS#8 key
   * @param clientCa nodes must present a certificate chaining to this CA (mutual TLS)
   * @param reloadInterval how often the files are checked for changes
   */
  public record ServingTls(Optional<Path> cert, Optional<Path> key, Optional<Path> clientCa,
      Duration reloadInterval) {

    /** Plaintext. */
    public static final ServingTls OFF = new ServingTls(Optional.empty(), Optional.empty(),
        Optional.empty(), Duration.ofSeconds(30));

    public ServingTls {
      require(cert.isPresent() == key.isPresent(),
          "--tls-cert and --tls-key go together: give both or neither");
      require(cert.isPresent() || clientCa.isEmpty(), "--tls-client-ca needs --tls-cert and"
          + " --tls-key");
      require(reloadInterval.compareTo(Duration.ofMillis(100)) >= 0,
          "--tls-reload must be at least 100ms, got " + reloadInterval);
      for (Optional<Path> file : List.of(cert, key, clientCa)) {
        file.ifPresent(f -> require(Files.isReadable(f), "cannot read TLS file " + f));
      }
    }

    public boolean enabled() {
      return cert.isPresent();
    }
  }

  /** Plaintext options. */
  public RuntimeServerOptions(GrpcAddress listen, long capacityBytes, int loadingSlots,
      Duration loadTimeout, long defaultModelSizeBytes, int intraOpThreads, int maxMessageBytes,
      long maxTensorElements) {
    this(listen, capacityBytes, loadingSlots, loadTimeout, defaultModelSizeBytes, intraOpThreads,
        maxMessageBytes, maxTensorElements, ServingTls.OFF);
  }

  public RuntimeServerOptions {
    require(capacityBytes >= 1 << 20, "--capacity must be at least 1m");
    require(loadingSlots >= 1 && loadingSlots <= 256, "--loading-slots must be 1..256");
    require(!loadTimeout.isNegative() && !loadTimeout.isZero()
        && loadTimeout.toMillis() <= Integer.MAX_VALUE, "--load-timeout must be > 0 and < 24d");
    require(defaultModelSizeBytes >= 1, "--default-model-size must be > 0");
    require(intraOpThreads >= 1 && intraOpThreads <= 256, "--intra-op-threads must be 1..256");
    require(maxMessageBytes >= 1024, "--max-message-size must be at least 1k");
    require(maxTensorElements >= 1, "--max-tensor-elements must be >= 1");
    require(tls != null, "tls");
    require(!tls.enabled() || !listen.unix(), "--tls-cert: the runtime listens on a Unix"
        + " socket, which stays on this host; TLS applies to a TCP --listen address only");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
