package io.densemesh.node;

import io.densemesh.cache.ArtifactResolver;
import io.densemesh.cache.CacheListener;
import io.densemesh.cache.ModelCache;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.config.NodeConfig;
import io.densemesh.grpc.CallMetrics;
import io.densemesh.grpc.InferenceGrpcService;
import io.densemesh.grpc.MeshHeaders;
import io.densemesh.grpc.ModelMeshGrpcService;
import io.densemesh.metrics.MetricsServer;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.placement.EvictionPolicies;
import io.densemesh.registry.LocalRegistry;
import io.densemesh.registry.Registry;
import io.densemesh.remote.RemoteModelRuntime;
import io.densemesh.rest.RestServer;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.text.TextModelRuntime;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.ModelServing;
import io.densemesh.serving.VModelManagement;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DenseMesh node on the embedded registry: gRPC (KServe V2 + ModelMesh), REST and metrics
 * servers over one model cache. {@link #start} binds everything; {@link #close} stops taking
 * requests, lets running ones finish (bounded), then unloads models and closes the registry.
 */
public final class MeshNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MeshNode.class);

  private final NodeConfig config;
  private final NodeState state;
  private final Registry registry;
  private final NodeMetrics metrics;
  private final ModelCache cache;
  private final RuntimeRegistry runtimes;
  private final Server grpc;
  private final RestServer rest;
  private final MetricsServer metricsServer;

  private MeshNode(NodeConfig config, Clock clock) throws IOException {
    this.config = config;
    String version = MeshNode.class.getPackage().getImplementationVersion();
    this.state = new NodeState(version == null ? "dev" : version);
    this.registry = new LocalRegistry(config.dataDir());
    this.metrics = new NodeMetrics();
    OnnxModelRuntime onnx = new OnnxModelRuntime(config.intraOpThreads());
    Optional<RemoteModelRuntime> remote = config.remoteRuntime().map(r ->
        RemoteModelRuntime.connect(r, config.loadTimeout(), config.maxMessageBytes()));
    List<ModelRuntime> all = new ArrayList<>();
    remote.ifPresent(all::add); // its types win over the embedded runtimes'
    all.add(onnx);
    all.add(new TextModelRuntime(onnx));
    this.runtimes = new RuntimeRegistry(all);
    VModelHook vmodelHook = new VModelHook();
    this.cache = new ModelCache(runtimes, new ArtifactResolver(),
        EvictionPolicies.byName(config.evictionPolicy()), new Listeners(metrics, vmodelHook),
        clock, capacity(config, remote), config.loadingSlots(), config.failureBackoff());
    remote.ifPresent(r -> r.onModelsLost(cache::unload));
    metrics.bind(cache, () -> registry.models().size());
    ModelResolver resolver = new ModelResolver(registry);
    ModelServing serving = new ModelServing(cache,
        new InputValidator(config.maxTensorElements()), config.loadTimeout());
    ModelManagement models = new ModelManagement(registry, cache, clock, config.instanceId(),
        config.loadTimeout());
    VModelManagement vmodels = new VModelManagement(registry, models, clock,
        config.loadTimeout());
    vmodelHook.vmodels = vmodels;

    this.grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(),
            config.grpcPort()))
        .maxInboundMessageSize(config.maxMessageBytes())
        .addService(ServerInterceptors.intercept(
            new InferenceGrpcService(resolver, serving, state), new MeshHeaders(),
            new CallMetrics(metrics)))
        .addService(ServerInterceptors.intercept(new ModelMeshGrpcService(models, vmodels),
            new CallMetrics(metrics)))
        .build()
        .start();
    this.rest = new RestServer(config.host(), config.restPort(), resolver, serving, state,
        metrics, config.maxMessageBytes());
    this.metricsServer = new MetricsServer(config.host(), config.metricsPort(), metrics);
    state.markReady();
    log.info("node {} ready: gRPC :{}, REST :{}, metrics :{}, capacity {} bytes, data in {}",
        config.instanceId(), grpcPort(), restPort(), metricsPort(), cache.capacityBytes(),
        config.dataDir());
  }

  /** With a remote runtime, the node holds no more than the runtime says it has room for. */
  private static long capacity(NodeConfig config, Optional<RemoteModelRuntime> remote) {
    long offered = remote.map(RemoteModelRuntime::capacityBytes).orElse(0L);
    return offered > 0 ? Math.min(config.capacityBytes(), offered) : config.capacityBytes();
  }

  /** Starts a node; ports of 0 are chosen by the OS (see the port accessors). */
  public static MeshNode start(NodeConfig config, Clock clock) {
    try {
      return new MeshNode(config, clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node: " + e.getMessage(), e);
    }
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int restPort() {
    return rest.port();
  }

  public int metricsPort() {
    return metricsServer.port();
  }

  public NodeConfig config() {
    return config;
  }

  public ModelCache cache() {
    return cache;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    state.markStopping();
    grpc.shutdown();
    rest.close();
    try {
      if (!grpc.awaitTermination(10, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      grpc.shutdownNow();
    }
    cache.close();
    runtimes.close();
    metricsServer.close();
    registry.close();
    log.info("node {} stopped", config.instanceId());
  }

  /** Forwards cache events to vmodel transitions once those exist. */
  private static final class VModelHook implements CacheListener {
    volatile VModelManagement vmodels;

    @Override
    public void loaded(String modelId, long sizeBytes, long loadMillis) {
      VModelManagement v = vmodels;
      if (v != null) {
        v.modelLoaded(modelId);
      }
    }

    @Override
    public void loadFailed(String modelId, String reason) {
      VModelManagement v = vmodels;
      if (v != null) {
        v.modelLoadFailed(modelId);
      }
    }
  }

  /** Fans cache events out to several listeners. */
  private record Listeners(CacheListener first, CacheListener second) implements CacheListener {
    @Override
    public void hit(String modelId) {
      first.hit(modelId);
      second.hit(modelId);
    }

    @Override
    public void miss(String modelId) {
      first.miss(modelId);
      second.miss(modelId);
    }

    @Override
    public void loaded(String modelId, long sizeBytes, long loadMillis) {
      first.loaded(modelId, sizeBytes, loadMillis);
      second.loaded(modelId, sizeBytes, loadMillis);
    }

    @Override
    public void loadFailed(String modelId, String reason) {
      first.loadFailed(modelId, reason);
      second.loadFailed(modelId, reason);
    }

    @Override
    public void unloaded(String modelId, boolean evicted, long residentMillis) {
      first.unloaded(modelId, evicted, residentMillis);
      second.unloaded(modelId, evicted, residentMillis);
    }
  }
}
