package io.densemesh.mesh;

import io.densemesh.admission.Admission;
import io.densemesh.admission.InFlightLimit;
import io.densemesh.admission.RetryBackoff;
import io.densemesh.admission.RetryBudget;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.auth.TenantGuard;
import io.densemesh.cache.CacheListener;
import io.densemesh.cache.CacheListeners;
import io.densemesh.cache.ModelCache;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.grpc.InferenceGrpcService;
import io.densemesh.grpc.InferenceRouting;
import io.densemesh.grpc.ProbeCalls;
import io.densemesh.grpc.InternalEdge;
import io.densemesh.grpc.MeshHeaders;
import io.densemesh.grpc.PeerControlGrpcService;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.node.NodeState;
import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.ModelReadiness;
import io.densemesh.serving.ModelRepository;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.ModelServing;
import io.densemesh.serving.VModelManagement;
import io.densemesh.testing.FakeRuntime;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** One node of a {@link SimulatedMesh}: the parts MeshNode wires, minus sockets and timers. */
final class SimulatedNode implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration FAILURE_EXPIRY = Duration.ofMinutes(5);

  final String id;
  final String address;
  final SimulatedMesh mesh;
  final FakeRuntime runtime = new FakeRuntime();
  final CacheListeners listeners = new CacheListeners(List.of());
  final ModelCache cache;
  final LivePolicies policies;
  final Peers peers;
  final MeshRouter router;
  final MeshEvents events;
  final CopyLoader loader;
  final ModelResolver resolver;
  final ModelServing serving;
  final ModelReadiness readiness;
  final ModelManagement models;
  final VModelManagement vmodels;
  final ModelRepository repository;
  final SelfPublisher publisher;
  final Drainer drainer;
  final NodeState state = new NodeState("test");
  final NodeMetrics metrics = new NodeMetrics();
  final Map<String, String> labels = new ConcurrentHashMap<>();
  /** False: cache events no longer trigger a publish (the registry lags until {@link #publish}). */
  volatile boolean autoPublish = true;
  final ExecutorService retries = Executors.newCachedThreadPool();
  /** The internal port's workers (where requests are served here), as a node's bounded pool. */
  final java.util.concurrent.ThreadPoolExecutor workers =
      (java.util.concurrent.ThreadPoolExecutor) Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sim-worker");
        t.setDaemon(true);
        return t;
      });
  final java.util.concurrent.ScheduledExecutorService retryTimer =
      Executors.newSingleThreadScheduledExecutor();
  /** The node's forward retry budget, on the mesh's fake clock (10 %, at least 1 a second). */
  final RetryBudget retryBudget;
  final InFlightLimit inFlight = new InFlightLimit(10_000);
  final PeerForwarding forwarding;
  private final Server server;

  SimulatedNode(String id, SimulatedMesh mesh, long capacityBytes) {
    this.id = id;
    this.address = "sim-node-" + id + "-" + System.identityHashCode(mesh);
    this.mesh = mesh;
    this.retryBudget = new RetryBudget(mesh.clock, 10, 10, 1);
    this.cache = new ModelCache(new RuntimeRegistry(List.of(runtime)), ModelStorage.localOnly(),
        new LruEvictionPolicy(), listeners, mesh.clock, capacityBytes, 2, FAILURE_EXPIRY);
    this.policies = new LivePolicies(cache, "lru", model -> "");
    this.peers = new Peers(a -> InProcessChannelBuilder.forName(a).directExecutor().build());
    this.router = new MeshRouter(id, cache, mesh.registry, policies, peers, mesh.clock,
        FAILURE_EXPIRY);
    this.events = new MeshEvents(mesh.registry);
    this.forwarding = new PeerForwarding(router, peers, metrics, retryBudget,
        new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(5), new java.util.Random(7)),
        retryTimer);
    this.loader = new CopyLoader(id, cache, mesh.registry, router, peers, events, WAIT);
    this.resolver = new ModelResolver(mesh.registry);
    this.serving = new ModelServing(cache, new InputValidator(1 << 20), WAIT);
    this.readiness = new ModelReadiness(cache, mesh.registry);
    this.models = new ModelManagement(mesh.registry, cache, mesh.clock, id, FAILURE_EXPIRY,
        loader::ensureCopy);
    this.vmodels = new VModelManagement(mesh.registry, models, mesh.clock, WAIT);
    this.repository = new ModelRepository(mesh.registry, resolver, models,
        new TenantGuard(m -> mesh.registry.model(m).map(r -> r.value().getTenant())),
        new CopyDropper(id, cache, mesh.registry, peers, WAIT), mesh.clock);
    this.publisher = new SelfPublisher(id, mesh.registry, cache, mesh.clock, this::instance);
    listeners.add(new CacheListener() { // the publisher hears of cache events unless muted
      @Override
      public void miss(String modelId) {
        if (autoPublish) {
          publisher.miss(modelId);
        }
      }

      @Override
      public void loaded(String modelId, long sizeBytes, long loadMillis) {
        if (autoPublish) {
          publisher.loaded(modelId, sizeBytes, loadMillis);
        }
      }

      @Override
      public void loadFailed(String modelId, String reason) {
        publisher.loadFailed(modelId, reason); // remembered for the next pass either way
      }

      @Override
      public void unloaded(String modelId, boolean evicted, long residentMillis) {
        if (autoPublish) {
          publisher.unloaded(modelId, evicted, residentMillis);
        }
      }
    });
    this.drainer = new Drainer(id, cache, mesh.registry, loader, events, publisher, mesh.clock);
    try {
      // The node's internal port: what peers reach (callers are trusted as mesh peers).
      InternalEdge peersOnly = new InternalEdge(java.util.Optional.empty());
      // As on a node: ModelInfer and ModelMetadata on the transport thread, the rest on workers.
      this.server = InProcessServerBuilder.forName(address)
          .directExecutor()
          .callExecutor(new ProbeCalls(workers, InferenceRouting.TRANSPORT_METHODS))
          .addService(ServerInterceptors.intercept(
              new PeerControlGrpcService(resolver, loader, cache, state), peersOnly))
          .addService(ServerInterceptors.intercept(new InferenceRouting(
              InferenceGrpcService.forNode(resolver, serving, readiness, state, repository),
              forwarding,
              retries, new InferenceRouting.LocalPath(new Admission(inFlight, reason -> { }),
                  cache::whenLoaded, workers, WAIT), null, caller -> { }, true).bindService(),
              new MeshHeaders(), peersOnly))
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private InstanceRecord.Builder instance() {
    return InstanceRecord.newBuilder()
        .setAddress(address)
        .putAllLabels(labels)
        .setCapacityBytes(cache.capacityBytes())
        .setUsedBytes(cache.usedBytes())
        .setLoadingSlots(cache.loadingSlots())
        .setLoadsInProgress(cache.loadsInProgress())
        .setDraining(drainer != null && drainer.draining())
        .setLoadedModels(cache.loadedCount());
  }

  void addListener(CacheListener listener) {
    listeners.add(listener);
  }

  /** Writes this node's records so the registry matches its cache (one reconcile pass). */
  void publish() {
    publisher.reconcileNow();
  }

  /** Loads a registered model here, waits for it, and publishes the copy. */
  void load(String modelId) {
    cache.awaitLoaded(spec(modelId), WAIT);
    publish();
  }

  /** Requests this node forwarded with {@code result} (ok, retried, failed). */
  double forwards(String result) {
    io.micrometer.core.instrument.Counter counter = metrics.registry().find("densemesh.forwards")
        .tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  ModelSpec spec(String modelId) {
    ModelRecord record = mesh.registry.model(modelId).orElseThrow().value();
    return ModelResolver.specOf(record);
  }

  /** Stops answering peers (a crashed node whose registry session has not expired yet). */
  void crash() {
    server.shutdownNow();
  }

  /** The node stops: its server and cache close (its registry session is expired separately). */
  @Override
  public void close() {
    server.shutdownNow();
    publisher.close();
    peers.close();
    retries.shutdownNow();
    workers.shutdownNow();
    retryTimer.shutdownNow();
    cache.close();
  }
}
