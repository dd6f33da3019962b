package io.densemesh.cli;

import io.densemesh.cli.support.ByteSizeConverter;
import io.densemesh.cli.support.CommandLines;
import io.densemesh.cli.support.DurationConverter;
import io.densemesh.config.ConfigException;
import io.densemesh.config.GrpcAddress;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/** {@code densemesh runtime}: the embedded runtimes served over the ModelMesh runtime SPI. */
@Command(name = "runtime", sortOptions = false,
    description = {"Serve the embedded runtimes (ONNX, text) over the ModelMesh runtime SPI.",
        "A node attaches with: serve --remote-runtime onnx,text=ADDRESS"})
public final class RuntimeCommand implements Callable<Integer> {

  @Option(names = "--listen", required = true, paramLabel = "ADDRESS",
      description = "Where to serve: host:port or unix:/path/to/socket.")
  String listen;
  @Option(names = "--capacity", defaultValue = "1g", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "Memory reported to nodes for models; at least 1m.")
  long capacity;
  @Option(names = "--loading-slots", defaultValue = "2", paramLabel = "N",
      description = "Loads run at once (reported as maxLoadingConcurrency).")
  int loadingSlots;
  @Option(names = "--load-timeout", defaultValue = "60s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Reported as modelLoadingTimeoutMs: the node cancels slower loads.")
  Duration loadTimeout;
  @Option(names = "--default-model-size", defaultValue = "1m", paramLabel = "SIZE",
      converter = ByteSizeConverter.class, description = "Reported default model size.")
  long defaultModelSize;
  @Option(names = "--intra-op-threads", defaultValue = "1", paramLabel = "N",
      description = "Threads one ONNX inference may use.")
  int intraOpThreads;
  @Option(names = "--max-message-size", defaultValue = "64m", paramLabel = "SIZE",
      converter = ByteSizeConverter.class, description = "Largest request accepted.")
  long maxMessageSize;
  @Option(names = "--max-tensor-elements", defaultValue = "67108864", paramLabel = "N",
      description = "Largest element count one input tensor may describe.")
  long maxTensorElements;
  @Option(names = "--tls-cert", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PEM certificate chain: the TCP address serves TLS (nodes give"
          + " --remote-runtime-ca).")
  String tlsCert;
  @Option(names = "--tls-key", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE", description = "PKCS#8 key of --tls-cert.")
  String tlsKey;
  @Option(names = "--tls-client-ca", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "Nodes must present a certificate chaining to this CA (mutual TLS).")
  String tlsClientCa;
  @Option(names = "--tls-reload", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often the TLS files are checked for changes.")
  Duration tlsReload;

  /**
   * Parses runtime flags outside a command line (tests).
   *
   * @throws ConfigException with a one-line message
   */
  public static RuntimeServerOptions parse(List<String> args) {
    RuntimeCommand command = new RuntimeCommand();
    try {
      CommandLines.parse(command, Map.of(), args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new ConfigException(e.getMessage());
    }
    return command.options();
  }

  /** The validated options. */
  RuntimeServerOptions options() {
    return new RuntimeServerOptions(GrpcAddress.parse("--listen", listen), capacity,
        loadingSlots, loadTimeout, defaultModelSize, intraOpThreads,
        Math.toIntExact(Math.min(Integer.MAX_VALUE, maxMessageSize)), maxTensorElements,
        new RuntimeServerOptions.ServingTls(path(tlsCert), path(tlsKey), path(tlsClientCa),
            tlsReload));
  }

  private static Optional<Path> path(String text) {
    return text.isBlank() ? Optional.empty() : Optional.of(Path.of(text.trim()));
  }

  @Override
  public Integer call() throws InterruptedException {
    RuntimeServer server = RuntimeServer.start(options());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    server.awaitTermination();
    return 0;
  }
}
