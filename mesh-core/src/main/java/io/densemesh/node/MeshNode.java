package io.densemesh.node;

import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.admission.Admission;
import io.densemesh.admission.SyncWaits;
import io.densemesh.admission.AdmittedServing;
import io.densemesh.admission.InFlightLimit;
import io.densemesh.admission.LiveAdmission;
import io.densemesh.admission.RetryBackoff;
import io.densemesh.admission.RetryBudget;
import io.densemesh.auth.Authenticator;
import io.densemesh.auth.ClientGate;
import io.densemesh.auth.TenantGuard;
import io.densemesh.auth.TenantRates;
import io.densemesh.grpc.ChunkedInference;
import io.densemesh.grpc.ClientEdge;
import io.densemesh.grpc.InternalEdge;
import io.densemesh.batching.BatchDefaults;
import io.densemesh.batching.BatchingServing;
import io.densemesh.cache.CacheListeners;
import io.densemesh.console.ActivityFeed;
import io.densemesh.console.ConsoleActions;
import io.densemesh.console.ConsoleApi;
import io.densemesh.console.ConsoleRoutes;
import io.densemesh.console.MeshActivity;
import io.densemesh.console.ModelStats;
import io.densemesh.console.NodeHistory;
import io.densemesh.cache.CacheListener;
import io.densemesh.cache.ModelCache;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.config.AdmissionSettings;
import io.densemesh.config.ConfigException;
import io.densemesh.config.MeshConfig;
import io.densemesh.config.NodeConfig;
import io.densemesh.config.StorageSettings;
import io.densemesh.grpc.CallMetrics;
import io.densemesh.grpc.InferenceGrpcService;
import io.densemesh.grpc.InferenceRouting;
import io.densemesh.grpc.MeshAdminGrpcService;
import io.densemesh.grpc.PeerControlGrpcService;
import io.densemesh.grpc.ProbeCalls;
import io.densemesh.grpc.ServiceDiscovery;
import io.densemesh.grpc.ServingHealth;
import io.densemesh.mesh.CopyDropper;
import io.densemesh.mesh.CopyLoader;
import io.densemesh.mesh.CopyScaler;
import io.densemesh.mesh.Drainer;
import io.densemesh.mesh.LeaderDuties;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.mesh.MeshEvents;
import io.densemesh.mesh.MeshRouter;
import io.densemesh.mesh.PeerForwarding;
import io.densemesh.mesh.Peers;
import io.densemesh.mesh.RoutedServing;
import io.densemesh.mesh.SelfPublisher;
import io.densemesh.grpc.MeshHeaders;
import io.densemesh.grpc.ModelMeshGrpcService;
import io.densemesh.metrics.MeteredServing;
import io.densemesh.metrics.MetricsServer;
import io.densemesh.metrics.ModelLabels;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.observability.NodeTelemetry;
import io.densemesh.observability.RequestIds;
import io.densemesh.placement.EvictionPolicies;
import io.densemesh.registry.EtcdRegistry;
import io.densemesh.registry.EtcdSettings;
import io.densemesh.registry.LocalRegistry;
import io.densemesh.registry.Registry;
import io.densemesh.remote.RemoteModelRuntime;
import io.densemesh.remote.RuntimeHeaders;
import io.densemesh.rest.RestServer;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.onnx.ExecutionDevice;
import io.densemesh.runtime.onnx.GpuProbe;
import io.densemesh.runtime.onnx.NvidiaSmi;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.storage.HostAllowList;
import io.densemesh.tls.NodeTls;
import io.densemesh.tls.RuntimeLinkTls;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.runtime.storage.SourcePolicy;
import io.densemesh.runtime.storage.StorageConfigs;
import io.densemesh.runtime.storage.StorageOptions;
import io.densemesh.runtime.storage.TransferLimits;
import io.densemesh.runtime.text.TextModelRuntime;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.ModelReadiness;
import io.densemesh.serving.ModelRepository;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.ModelServing;
import io.densemesh.serving.Serving;
import io.densemesh.serving.VModelManagement;
import io.densemesh.serving.RouteCounters;
import io.densemesh.serving.VModelSplits;
import io.densemesh.grpc.SplitTraffic;
import io.densemesh.grpc.VModelRoutingGrpcService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
  private final ModelStorage storage;
  private final ModelCache cache;
  private final RuntimeRegistry runtimes;
  private final Server grpc;
  private final Server internal;
  private final NodeTransport transport;
  private final TenantRates rates;
  private final Optional<Authenticator> authenticator;
  private final ServingHealth health;
  private final NodeTelemetry telemetry;
  private final RestServer rest;
  private final MetricsServer metricsServer;
  private final Clock clock;
  private final long startedAt;
  private final LivePolicies policies;
  private final Peers peers;
  private final Optional<NodeTls> tls;
  private final java.util.concurrent.Executor retries;
  private final ExecutorService retryPool;
  private final ScheduledExecutorService retryTimer;
  private final ExecutorService clientExecutor;
  private final ExecutorService internalExecutor;
  private final InFlightLimit inFlight;
  private final RetryBudget retryBudget;
  private final String address;
  private final SelfPublisher publisher;
  private final CopyScaler scaler;
  private final LeaderDuties leader;
  private final Drainer drainer;
  private final ScheduledExecutorService chores;

  private MeshNode(NodeConfig config, Clock clock, NodeTelemetry telemetry) throws IOException {
    this.config = config;
    this.clock = clock;
    this.telemetry = telemetry;
    String version = MeshNode.class.getPackage().getImplementationVersion();
    this.state = new NodeState(version == null ? "dev" : version);
    this.startedAt = clock.millis();
    ExecutionDevice device = config.device().device();
    long gpuCapacity = DeviceCheck.gpuCapacity(config.device(), GpuProbe::system); // fails first
    this.tls = NodeTls.open(config.tls()); // bad TLS material fails the start before anything
    this.authenticator = ClientSecurity.authenticator(config.auth(), clock);
    Optional<String> meshSecret = ClientSecurity.meshSecret(config);
    this.registry = openRegistry(config);
    this.metrics = new NodeMetrics();
    OnnxModelRuntime onnx = new OnnxModelRuntime(config.intraOpThreads(), device,
        NvidiaSmi.onPath());
    Optional<RemoteModelRuntime> remote = config.remoteRuntime().map(r ->
        RemoteModelRuntime.connect(r,
            RuntimeLinkTls.open(config.remoteRuntimeTls(), config.tls().reloadInterval()),
            config.loadTimeout(), config.maxMessageBytes()));
    List<ModelRuntime> all = new ArrayList<>();
    remote.ifPresent(all::add); // its types win over the embedded runtimes'
    all.add(onnx);
    all.add(new TextModelRuntime(onnx));
    this.runtimes = new RuntimeRegistry(all);
    VModelHook vmodelHook = new VModelHook();
    CacheListeners listeners = new CacheListeners(List.of(metrics, vmodelHook));
    this.storage = openStorage(config.storage(), metrics, clock);
    metrics.bindStorage(storage);
    this.cache = new ModelCache(runtimes, storage,
        EvictionPolicies.byName(config.evictionPolicy()), listeners,
        clock, capacity(config, remote), gpuCapacity, config.loadingSlots(),
        config.failureBackoff());
    remote.ifPresent(r -> r.onModelsLost(cache::unload));
    metrics.bind(cache, registry::modelCount);
    metrics.bindMesh(() -> registry.view().instances().size());
    Function<String, String> tenantOf = id -> tenantOf(registry, id);
    // Admission limits: the node's flags, overridden live by the mesh-wide placement config.
    AdmissionSettings limits = config.admission();
    this.inFlight = new InFlightLimit(limits.maxInFlight());
    this.retryBudget = new RetryBudget(clock, AdmissionSettings.RETRY_WINDOW_SECONDS,
        limits.retryBudgetPercent(), limits.minRetriesPerSecond());
    LiveAdmission liveAdmission = new LiveAdmission(limits, inFlight, cache, retryBudget);
    liveAdmission.apply(limits);
    this.policies = new LivePolicies(cache, config.evictionPolicy(), tenantOf, liveAdmission);
    this.rates = new TenantRates(clock);
    registry.addListener(() -> {
      policies.onSettings(registry.view().config());
      rates.update(policies.applied().tenants());
    });
    policies.onSettings(registry.view().config());
    rates.update(policies.applied().tenants());
    TenantGuard guard = new TenantGuard(id -> registry.model(id).map(m -> m.value().getTenant()));

    String self = config.instanceId();
    // Two loops per core, as gRPC's and Netty's own defaults.
    this.transport = new NodeTransport(2 * Runtime.getRuntime().availableProcessors());
    this.peers = new Peers(config.maxMessageBytes(), meshSecret,
        config.mesh().usesEtcd() ? tls.map(NodeTls::peerClient) : Optional.empty(),
        transport);
    MeshRouter router = new MeshRouter(self, cache, registry, policies, peers, clock,
        config.failureBackoff());
    MeshEvents events = new MeshEvents(registry);
    ActivityFeed activity = new ActivityFeed(clock, self);
    CopyLoader loader = new CopyLoader(self, cache, registry, router, peers, events,
        config.loadTimeout());
    ModelResolver resolver = new ModelResolver(registry);
    Admission admission = new Admission(inFlight, metrics::admissionRejected);
    metrics.bindAdmission(inFlight::inFlight, inFlight::limit);
    // Every request served here passes the node's in-flight limit, whatever its protocol;
    // batching (per model, opt-in) sits under the metrics, so queueing for a batch is measured.
    InputValidator validator = new InputValidator(config.maxTensorElements());
    NodeHistory history = new NodeHistory(clock);
    ModelStats modelStats = new ModelStats(clock);
    Serving serving = new AdmittedServing(new MeteredServing(new BatchingServing(
        new ModelServing(cache, validator, config.loadTimeout()), validator,
        BatchDefaults.of(config.batching()), config.loadTimeout(), BatchDefaults.runner(),
        Executors.newSingleThreadScheduledExecutor(daemon("batch-timer")), System::nanoTime,
        metrics::batchRun),
        metrics,
        new ModelLabels(config.observability().perModelMetrics(),
            config.observability().maxMetricSeries(), tenantOf),
        (model, tenant, nanos, ok) -> {
          history.served(model, tenant, nanos, ok);
          modelStats.served(model, tenant, nanos, ok);
        }), admission);
    ModelManagement models = new ModelManagement(registry, cache, clock, self,
        config.failureBackoff(), new ModelManagement.CopyEnsurer() {
          @Override
          public void ensureCopy(io.densemesh.runtime.ModelSpec spec, boolean sync) {
            loader.ensureCopy(spec, sync);
          }

          @Override
          public java.util.concurrent.CompletableFuture<Void> ensureCopyAsync(
              io.densemesh.runtime.ModelSpec spec, boolean sync) {
            return loader.ensureCopyAsync(spec, sync);
          }
        });
    RouteCounters routeCounters = new RouteCounters();
    VModelSplits splits = new VModelSplits(registry, models, routeCounters);
    VModelManagement vmodels = new VModelManagement(registry, models, clock,
        config.loadTimeout(), splits);
    vmodelHook.vmodels = vmodels;

    // Retries run off the call's thread: the trace context goes with each task. A retry only
    // routes and starts an asynchronous call, so a few threads serve any number; the budget
    // bounds how many there are, the queue bounds what waits.
    this.retryPool = GrpcExecutors.bounded("forward-retry",
        Math.max(2, Runtime.getRuntime().availableProcessors()), 4096);
    this.retries = io.opentelemetry.context.Context.taskWrapping(retryPool);
    this.retryTimer = Executors.newSingleThreadScheduledExecutor(daemon("forward-backoff"));
    ModelReadiness readiness = new ModelReadiness(cache, registry);
    ModelRepository repository = new ModelRepository(registry, resolver, models, guard,
        new CopyDropper(self, cache, registry, peers, PEER_CALL_TIMEOUT), clock);
    InferenceGrpcService inference =
        InferenceGrpcService.forNode(resolver, serving, readiness, state, repository);
    PeerForwarding forwarding = new PeerForwarding(router, peers, metrics, retryBudget,
        RetryBackoff.standard(), retryTimer);
    // Bounded executors for both ports: nothing blocks on them for a load (a request waits for
    // its model without a thread), so threads sized from the cores serve any number of callers.
    this.clientExecutor = GrpcExecutors.bounded("grpc-client", limits.grpcThreads(),
        limits.grpcQueue());
    this.internalExecutor = GrpcExecutors.bounded("grpc-internal", limits.grpcThreads(),
        limits.grpcQueue());
    // Management calls with sync wait for loads without a thread too, at most as many as
    // requests may be in flight; their deadlines fire on the forward-backoff timer.
    SyncWaits syncWaits = new SyncWaits(limits.maxInFlight(), config.loadTimeout(), clock,
        (task, delay) -> {
          var scheduled = retryTimer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
          return () -> scheduled.cancel(false);
        });
    // ModelInfer and ModelMetadata are routed on the transport thread: a forwarded request
    // never waits for a worker (see InferenceRouting); the others start on the workers.
    InferenceRouting routing = new InferenceRouting(inference, forwarding, retries,
        new InferenceRouting.LocalPath(admission, cache::whenLoaded, clientExecutor,
            config.loadTimeout()), new SplitTraffic(routeCounters, metrics), rates::acquire,
        true);
    InferenceRouting internalRouting = new InferenceRouting(inference, forwarding, retries,
        new InferenceRouting.LocalPath(admission, cache::whenLoaded, internalExecutor,
            config.loadTimeout()), null, caller -> { }, true);
    // Client port: every call passes the client edge (no dm-* headers, credentials, tenant rate)
    // before any routing. No node-to-node service is registered here. Health and reflection
    // (for probes and stock tools) answer without credentials and list only this port's services.
    ClientGate gate = new ClientGate(authenticator, rates);
    ClientEdge edge = new ClientEdge(gate);
    List<ServerServiceDefinition> clientServices = List.of(
        ServerInterceptors.intercept(routing.bindService(),
            inferenceInterceptors(remote.isPresent(), metrics, edge)),
        // Long batches answered in chunks, each routed as a ModelInfer: client port only.
        ServerInterceptors.intercept(new ChunkedInference(routing).bindService(),
            inferenceInterceptors(remote.isPresent(), metrics, edge)),
        ServerInterceptors.intercept(
            new ModelMeshGrpcService(models, vmodels, guard, rates, syncWaits, clientExecutor),
            edge,
            new CallMetrics(metrics)),
        ServerInterceptors.intercept(
            new MeshAdminGrpcService(registry, policies, models, guard), edge,
            new CallMetrics(metrics)),
        ServerInterceptors.intercept(
            new VModelRoutingGrpcService(splits, guard, rates), edge,
            new CallMetrics(metrics)));
    this.health = new ServingHealth(clientServices.stream()
        .map(d -> d.getServiceDescriptor().getName()).toList());
    NettyServerBuilder clientServer = transport.server(NettyServerBuilder.forAddress(
            new InetSocketAddress(config.bindHost(), config.grpcPort())))
        .maxInboundMessageSize(config.maxMessageBytes())
        // Calls are dispatched on the transport thread: health answers there, the rest on workers.
        .directExecutor()
        .callExecutor(new ProbeCalls(clientExecutor, InferenceRouting.TRANSPORT_METHODS))
        .sslContext(tls.map(NodeTls::grpcServer).orElse(null));
    observe(clientServer, metrics);
    clientServices.forEach(clientServer::addService);
    this.grpc = ServiceDiscovery.addTo(clientServer, health).build().start();
    // Internal port: forwarded inference (with its dm-* routing hints) and peer control, for
    // mesh peers only; what arrives here was authorised where it entered the mesh.
    InternalEdge internalEdge = new InternalEdge(meshSecret);
    NettyServerBuilder internalServer = transport.server(NettyServerBuilder.forAddress(
            new InetSocketAddress(config.bindHost(), config.internalPort())))
        .maxInboundMessageSize(config.maxMessageBytes())
        .directExecutor()
        .callExecutor(new ProbeCalls(internalExecutor, InferenceRouting.TRANSPORT_METHODS))
        // With TLS, only mesh members (a certificate from the mesh CA) get past the handshake.
        .sslContext(tls.map(NodeTls::internalServer).orElse(null));
    observe(internalServer, metrics);
    this.internal = internalServer
        .addService(ServerInterceptors.intercept(internalRouting.bindService(),
            inferenceInterceptors(remote.isPresent(), metrics, internalEdge)))
        .addService(ServerInterceptors.intercept(
            new PeerControlGrpcService(resolver, loader, cache, state, activity::since),
            internalEdge))
        .build()
        .start();
    this.address = advertisedHost(config) + ":" + internal.getPort();

    this.publisher = new SelfPublisher(self, registry, cache, clock, this::instanceRecord);
    this.scaler = new CopyScaler(self, cache, registry, policies, loader, clock,
        SCALE_PERIOD);
    listeners.add(publisher);
    listeners.add(scaler);
    cache.setProtection(scaler::protectedCopy);
    this.leader = new LeaderDuties(self, registry, loader, vmodels, clock,
        config.failureBackoff(), config.mesh().usesEtcd(),
        () -> policies.applied().proactiveLoading());
    this.drainer = new Drainer(self, cache, registry, loader, events, publisher, clock);
    publisher.start();
    publisher.reconcileNow();
    this.chores = Executors.newSingleThreadScheduledExecutor(daemon("mesh-chores"));
    chores.scheduleWithFixedDelay(() -> quietly(scaler::tick), SCALE_PERIOD.toMillis(),
        SCALE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    chores.scheduleWithFixedDelay(() -> quietly(leader::tick), 0, LEADER_PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    authenticator.ifPresent(a -> chores.scheduleWithFixedDelay(() -> quietly(a::refresh),
        CREDENTIAL_CHECK.toMillis(), CREDENTIAL_CHECK.toMillis(), TimeUnit.MILLISECONDS));
    chores.scheduleWithFixedDelay(() -> quietly(() -> peers.retainOnly(
            registry.view().instances().values().stream().map(InstanceRecord::getAddress)
                .toList())),
        10, 10, TimeUnit.SECONDS);

    listeners.add(activity);
    vmodels.onTransitions(activity);
    listeners.add(history);
    chores.scheduleWithFixedDelay(() -> quietly(() -> {
      history.tick();
      modelStats.sampleCopies(id -> registry.view().loadedOn(id).size());
    }), NodeHistory.INTERVAL_SECONDS, NodeHistory.INTERVAL_SECONDS, TimeUnit.SECONDS);
    ConsoleRoutes console = new ConsoleRoutes(self,
        new ConsoleApi(self, registry, cache, models, policies, activity, history, modelStats),
        new ConsoleActions(registry, models, policies, activity, repository,
            new ConsoleActions.NodeDrain() {
              @Override
              public boolean start() {
                if (drainer.draining()) {
                  return false;
                }
                // the drain waits for copies elsewhere: its own thread, never the chores'
                Thread drain = new Thread(() -> quietly(() ->
                    drainer.drain(config.mesh().drainTimeout())), "console-drain");
                drain.setDaemon(true);
                drain.start();
                return true;
              }

              @Override
              public boolean draining() {
                return drainer.draining();
              }
            }),
        activity, new MeshActivity(self, activity, registry, peers, Duration.ofSeconds(2)), gate);
    this.rest = new RestServer(config.bindHost(), config.restPort(), resolver,
        new RoutedServing(serving, forwarding, readiness, config.loadTimeout(), retries),
        repository, state, metrics, config.maxMessageBytes(), config.maxTensorElements(), gate,
        config.rest(), tls, config.mesh().drainTimeout(), console::mount, telemetry.restTracing());
    this.metricsServer = new MetricsServer(config.bindHost(), config.metricsPort(), metrics);
    state.markReady();
    health.serving();
    ClientSecurity.announce(config, meshSecret.isPresent());
    log.info("node {} ready: gRPC {}:{}, internal {}, REST :{}, metrics :{}, capacity {} bytes,"
        + " device {} (GPU capacity {} bytes), registry {}",
        self, config.bindHost(), grpcPort(), address, restPort(), metricsPort(),
        cache.capacityBytes(), device, gpuCapacity,
        config.mesh().usesEtcd() ? "etcd " + config.mesh().etcdEndpoints() + " "
            + config.mesh().etcdPrefix() : "embedded in " + config.dataDir());
  }

  static final Duration SCALE_PERIOD = Duration.ofSeconds(5);
  /** Bound on one control call to a peer (asking it to drop a copy). */
  static final Duration PEER_CALL_TIMEOUT = Duration.ofSeconds(10);
  static final Duration LEADER_PERIOD = Duration.ofSeconds(2);
  /** How often the credential files are checked for changes. */
  static final Duration CREDENTIAL_CHECK = Duration.ofSeconds(1);

  /** A resident model's tenant for eviction quotas; "" when the registry cannot say right now. */
  private static String tenantOf(Registry registry, String modelId) {
    try {
      return registry.model(modelId).map(m -> m.value().getTenant()).orElse("");
    } catch (io.densemesh.runtime.error.MeshException unavailable) {
      return "";
    }
  }

  private static Registry openRegistry(NodeConfig config) {
    MeshConfig mesh = config.mesh();
    if (!mesh.usesEtcd()) {
      return new LocalRegistry(config.dataDir());
    }
    return EtcdRegistry.connect(new EtcdSettings(mesh.etcdEndpoints(), mesh.etcdPrefix(),
        mesh.leaseTtl(), mesh.etcdTimeout(), mesh.modelCacheBytes(), mesh.etcdAccess()));
  }

  private static String advertisedHost(NodeConfig config) {
    if (!config.mesh().advertiseHost().isEmpty()) {
      return config.mesh().advertiseHost();
    }
    String host = config.bindHost();
    if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
      try {
        return InetAddress.getLocalHost().getHostAddress();
      } catch (UnknownHostException e) {
        return "127.0.0.1";
      }
    }
    return host;
  }

  /** This node's instance record as it stands now. */
  private InstanceRecord.Builder instanceRecord() {
    return InstanceRecord.newBuilder()
        .setAddress(address)
        .setZone(config.mesh().zone())
        .putAllLabels(config.mesh().labels())
        .setCapacityBytes(cache.capacityBytes())
        .setUsedBytes(cache.usedBytes())
        .setLoadingSlots(cache.loadingSlots())
        .setLoadsInProgress(cache.loadsInProgress())
        .setOldestUse(cache.oldestUseMillis())
        .setVersion(state.version())
        .setDraining(drainer != null && drainer.draining())
        .setInFlight(cache.inFlight())
        .setStartedAt(startedAt)
        .setLoadedModels(cache.loadedCount())
        .setGpuCapacityBytes(cache.gpuCapacityBytes())
        .setGpuUsedBytes(cache.gpuUsedBytes());
  }

  /**
   * Routing headers, the port's edge and metrics (outermost); with a remote runtime, its header
   * exchange with clients (innermost: runs where the model is served).
   */
  private static List<ServerInterceptor> inferenceInterceptors(boolean remoteRuntime,
      NodeMetrics metrics, ServerInterceptor edge) {
    List<ServerInterceptor> interceptors = new ArrayList<>();
    if (remoteRuntime) {
      interceptors.add(new RuntimeHeaders());
    }
    interceptors.add(new MeshHeaders());
    interceptors.add(edge);
    interceptors.add(new CallMetrics(metrics));
    return interceptors;
  }

  /** Every call on a port: request ids, then (when tracing) its span, outermost gRPC metrics. */
  private void observe(NettyServerBuilder server, NodeMetrics metrics) {
    server.intercept(new RequestIds());
    telemetry.serverInterceptor().ifPresent(server::intercept); // runs before RequestIds
    server.intercept(metrics.grpcServerMetrics());
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void quietly(Runnable chore) {
    try {
      chore.run();
    } catch (RuntimeException e) {
      log.warn("mesh chore failed", e);
    }
  }

  private static ModelStorage openStorage(StorageSettings settings, NodeMetrics metrics,
      Clock clock) {
    StorageConfigs configs;
    try {
      configs = StorageConfigs.load(settings.storageConfig().orElse(null));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--storage-config: " + e.getMessage());
    }
    return ModelStorage.create(configs,
        new StorageOptions(settings.pvcRoot(), settings.artifactCacheDir(),
            settings.artifactCacheBytes(),
            new TransferLimits(settings.maxArtifactBytes(), settings.downloadTimeout()),
            new SourcePolicy(settings.modelRoots(), new HostAllowList(settings.allowHosts()))),
        metrics, clock);
  }

  /** With a remote runtime, the node holds no more than the runtime says it has room for. */
  private static long capacity(NodeConfig config, Optional<RemoteModelRuntime> remote) {
    long offered = remote.map(RemoteModelRuntime::capacityBytes).orElse(0L);
    return offered > 0 ? Math.min(config.capacityBytes(), offered) : config.capacityBytes();
  }

  /** Starts a node; ports of 0 are chosen by the OS (see the port accessors). */
  public static MeshNode start(NodeConfig config, Clock clock) {
    return start(config, clock,
        NodeTelemetry.create(config.observability(), config.instanceId()));
  }

  /** Starts a node that traces with the given telemetry (closed with the node). */
  public static MeshNode start(NodeConfig config, Clock clock, NodeTelemetry telemetry) {
    try {
      return new MeshNode(config, clock, telemetry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node: " + e.getMessage(), e);
    }
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  /** The node-to-node port (forwarding, peer control). */
  public int internalPort() {
    return internal.getPort();
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

  /** This node's gRPC address as peers see it. */
  public String address() {
    return address;
  }

  public Registry registry() {
    return registry;
  }

  public boolean leading() {
    return leader.leading();
  }

  /**
   * Stops gracefully: when other nodes are in the mesh, first drains (marks this node draining,
   * keeps serving, moves models in use elsewhere, bounded by the drain timeout); then stops taking
   * requests, lets running ones finish (bounded), unloads models and leaves the registry (its
   * live records vanish at once).
   */
  @Override
  public void close() {
    health.stopServing();
    state.markDraining(); // readiness (REST, ServerReady) false from now on, like gRPC health
    if (config.mesh().usesEtcd()) {
      try {
        drainer.drain(config.mesh().drainTimeout());
      } catch (RuntimeException e) {
        log.warn("drain failed: {}", e.toString());
      }
    }
    state.markStopping();
    grpc.shutdown();
    rest.close(); // lets requests in progress finish, bounded by the drain timeout
    awaitStopped(grpc);
    internal.shutdown();
    awaitStopped(internal);
    chores.shutdownNow();
    publisher.close();
    retryTimer.shutdownNow();
    retryPool.shutdownNow();
    cache.close();
    clientExecutor.shutdownNow();
    internalExecutor.shutdownNow();
    peers.close();
    transport.close(); // after the servers and the peer channels on it
    storage.close();
    tls.ifPresent(NodeTls::close);
    runtimes.close();
    metricsServer.close();
    metrics.close();
    registry.close();
    telemetry.close();
    log.info("node {} stopped", config.instanceId());
  }

  private static void awaitStopped(Server server) {
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
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

}
