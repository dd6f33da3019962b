package io.densemesh.runtimeserver;

import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.config.GrpcAddress;
import io.densemesh.grpc.InferenceGrpcService;
import io.densemesh.grpc.MeshHeaders;
import io.densemesh.remote.Channels;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.text.TextModelRuntime;
import io.densemesh.tls.RuntimeServingTls;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runtime process: {@code mmesh.ModelRuntime} and {@code inference.GRPCInferenceService} on
 * one address (TCP or a Unix socket), over the given runtimes (by default the embedded ONNX and
 * text runtimes). A TCP address serves TLS (mutual TLS with a client CA) when the options give a
 * certificate; plaintext beyond loopback is served with a warning, since nodes refuse it unless
 * allowed.
 */
public final class RuntimeServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RuntimeServer.class);

  private final RuntimeServerOptions options;
  private final RuntimeRegistry runtimes;
  private final HostedModels models;
  private final Server server;
  private final Optional<RuntimeServingTls> tls;
  private final EventLoopGroup[] group = new EventLoopGroup[1];

  private RuntimeServer(RuntimeServerOptions options, List<ModelRuntime> runtimes,
      List<ServerInterceptor> interceptors) throws IOException {
    this.options = options;
    this.runtimes = new RuntimeRegistry(runtimes);
    this.models = new HostedModels(this.runtimes);
    String version = version();
    GrpcAddress listen = options.listen();
    if (listen.unix()) {
      Files.deleteIfExists(listen.socket()); // a stale socket of a previous process
      Files.createDirectories(listen.socket().toAbsolutePath().getParent());
    }
    List<ServerInterceptor> runtimeInterceptors = new ArrayList<>(interceptors);
    List<ServerInterceptor> dataInterceptors = new ArrayList<>(interceptors);
    dataInterceptors.add(new MeshHeaders());
    RuntimeServerOptions.ServingTls files = options.tls();
    this.tls = files.enabled() ? Optional.of(RuntimeServingTls.open(files.cert().get(),
        files.key().get(), files.clientCa(), files.reloadInterval())) : Optional.empty();
    if (tls.isEmpty() && !listen.unix() && !listen.loopback()) {
      log.warn("runtime serves plaintext on {}, beyond loopback: give --tls-cert and --tls-key"
          + " unless the network is trusted (nodes refuse a plaintext non-loopback runtime"
          + " without --remote-runtime-allow-plaintext)", listen);
    }
    NettyServerBuilder builder = Channels.server(listen, group);
    tls.ifPresent(t -> builder.sslContext(t.context()));
    this.server = builder
        .maxInboundMessageSize(options.maxMessageBytes())
        .addService(ServerInterceptors.intercept(
            new ModelRuntimeService(options, this.runtimes, models, version),
            runtimeInterceptors))
        .addService(ServerInterceptors.intercept(
            inference(models, options, version), dataInterceptors))
        .build()
        .start();
    log.info("runtime serving {} on {}{} (capacity {} bytes, {} loading slots, load timeout {})",
        types(), address(), tls.isEmpty() ? "" : files.clientCa().isPresent()
            ? " over mutual TLS" : " over TLS", options.capacityBytes(), options.loadingSlots(),
        options.loadTimeout());
  }

  /** The V2 data endpoint: loaded models only, ready when loaded here. */
  private static InferenceGrpcService inference(HostedModels models,
      RuntimeServerOptions options, String version) {
    HostedServing serving =
        new HostedServing(models, new InputValidator(options.maxTensorElements()));
    return new InferenceGrpcService(HostedServing::named, serving, serving::ready,
        new InferenceGrpcService.ServerInfo("densemesh-runtime", version, () -> true));
  }

  /** Starts over the embedded ONNX and text runtimes. */
  public static RuntimeServer start(RuntimeServerOptions options) {
    OnnxModelRuntime onnx = new OnnxModelRuntime(options.intraOpThreads());
    return start(options, List.of(onnx, new TextModelRuntime(onnx)), List.of());
  }

  /** Starts over the given runtimes; interceptors see every call (metrics, tests). */
  public static RuntimeServer start(RuntimeServerOptions options, List<ModelRuntime> runtimes,
      List<ServerInterceptor> interceptors) {
    try {
      return new RuntimeServer(options, runtimes, interceptors);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start runtime on " + options.listen() + ": "
          + e.getMessage(), e);
    }
  }

  private static String version() {
    String v = RuntimeServer.class.getPackage().getImplementationVersion();
    return "densemesh-runtime " + (v == null ? "dev" : v);
  }

  /** The address served, with the port the OS picked when 0 was asked for. */
  public GrpcAddress address() {
    GrpcAddress listen = options.listen();
    return listen.unix() ? listen : new GrpcAddress(listen.host(), server.getPort(), null);
  }

  /** Ids loaded or loading. */
  public Set<String> modelIds() {
    return models.ids();
  }

  private List<String> types() {
    return runtimes.all().stream().flatMap(r -> r.status().modelTypes().stream()).sorted()
        .toList();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    models.close();
    runtimes.close();
    tls.ifPresent(RuntimeServingTls::close);
    if (group[0] != null) {
      group[0].shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    log.info("runtime on {} stopped", options.listen());
  }
}
