package io.densemesh.metrics;

import io.densemesh.cache.CacheListener;
import io.densemesh.cache.ModelCache;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.runtime.storage.StorageListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.densemesh.errors.ErrorMapping;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's metrics; docs/metrics.md lists every one with its nearest ModelMesh metric. DenseMesh's
 * own: {@code densemesh_request_seconds} (every call by protocol, method and status; status is
 * always a gRPC code name, REST included), {@code densemesh_inference_seconds} (inference served
 * here, by tenant, status and, opted in, model; capped by {@link ModelLabels}), cache, load,
 * eviction, memory, mesh and artifact storage metrics. Standard ones: Micrometer's gRPC server
 * metrics ({@code grpc_server_*}) and the JVM, GC, thread, class loader, CPU, uptime and file
 * descriptor binders ({@code jvm_*}, {@code process_*}, {@code system_*}).
 */
public final class NodeMetrics implements CacheListener, StorageListener, AutoCloseable {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter hits;
  private final Counter misses;
  private final Counter loadsOk;
  private final Counter loadsFailed;
  private final Timer loadTime;
  private final Counter unloads;
  private final Counter evictions;
  private final DistributionSummary evictionAge;
  private final DistributionSummary modelSize;
  private final Counter artifactHits;
  private final Counter artifactMisses;
  private final Counter artifactEvictions;
  private final Counter artifactDamaged;
  private final Counter downloadsOk;
  private final Counter downloadsFailed;
  private final Counter downloadBytes;
  private final Timer downloadTime;

  private final JvmGcMetrics gc = new JvmGcMetrics();

  public NodeMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    hits = Counter.builder("densemesh.cache.hits").description("Requests whose model was resident")
        .register(registry);
    misses = Counter.builder("densemesh.cache.misses")
        .description("Requests that started a model load").register(registry);
    loadsOk = Counter.builder("densemesh.model.loads").tag("result", "success")
        .description("Model loads").register(registry);
    loadsFailed = Counter.builder("densemesh.model.loads").tag("result", "failure")
        .description("Model loads").register(registry);
    loadTime = Timer.builder("densemesh.model.load").description("Model load latency")
        .publishPercentileHistogram().register(registry);
    unloads = Counter.builder("densemesh.model.unloads")
        .description("Models unloaded (evicted or unregistered)").register(registry);
    evictions = Counter.builder("densemesh.evictions")
        .description("Models evicted to make room").register(registry);
    evictionAge = DistributionSummary.builder("densemesh.eviction.age").baseUnit("seconds")
        .description("How long evicted models had been resident").register(registry);
    modelSize = DistributionSummary.builder("densemesh.model.size").baseUnit("bytes")
        .description("Measured resident size of each model loaded (not its file size)")
        .register(registry);
    artifactHits = Counter.builder("densemesh.artifact.cache.hits")
        .description("Remote model artifacts served from the local disk cache").register(registry);
    artifactMisses = Counter.builder("densemesh.artifact.cache.misses")
        .description("Remote model artifacts not on local disk (downloaded)").register(registry);
    artifactEvictions = Counter.builder("densemesh.artifact.cache.evictions")
        .description("Artifacts removed from the disk cache to keep it within its bound")
        .register(registry);
    artifactDamaged = Counter.builder("densemesh.artifact.cache.damaged")
        .description("Cached artifacts that failed their size or digest check (fetched again)")
        .register(registry);
    downloadsOk = Counter.builder("densemesh.artifact.downloads").tag("result", "success")
        .description("Artifact downloads").register(registry);
    downloadsFailed = Counter.builder("densemesh.artifact.downloads").tag("result", "failure")
        .description("Artifact downloads").register(registry);
    downloadBytes = Counter.builder("densemesh.artifact.downloaded").baseUnit("bytes")
        .description("Bytes downloaded from model storage").register(registry);
    downloadTime = Timer.builder("densemesh.artifact.download")
        .description("Artifact download latency (verified, into the disk cache)")
        .publishPercentileHistogram().register(registry);
  }

  /** Registers the gauge of the artifact disk cache's size. */
  public void bindStorage(ModelStorage storage) {
    Gauge.builder("densemesh.artifact.cache", storage, ModelStorage::cachedBytes)
        .baseUnit("bytes").description("Bytes held by the artifact disk cache")
        .register(registry);
  }

  /** Registers the gauges that read the cache and the registry. */
  public void bind(ModelCache cache, Supplier<Integer> registeredModels) {
    Gauge.builder("densemesh.capacity", cache, ModelCache::capacityBytes).baseUnit("bytes")
        .description("Memory budget for resident models").register(registry);
    Gauge.builder("densemesh.used", cache, ModelCache::usedBytes).baseUnit("bytes")
        .description("Memory charged to resident and loading models").register(registry);
    Gauge.builder("densemesh.gpu.capacity", cache, ModelCache::gpuCapacityBytes)
        .baseUnit("bytes").description("GPU memory budget (0: models run on the CPU)")
        .register(registry);
    Gauge.builder("densemesh.gpu.used", cache, ModelCache::gpuUsedBytes).baseUnit("bytes")
        .description("GPU memory held by resident and loading models").register(registry);
    Gauge.builder("densemesh.models.loaded", cache, ModelCache::loadedCount)
        .description("Models resident on this node").register(registry);
    Gauge.builder("densemesh.models.registered", registeredModels, s -> s.get())
        .description("Models registered in the registry").register(registry);
  }

  /** Counts one request forwarded to a peer: {@code ok}, {@code retried} or {@code failed}. */
  public void forwarded(String result) {
    Counter.builder("densemesh.forwards").tag("result", result)
        .description("Requests forwarded to the peer holding the model").register(registry)
        .increment();
  }

  /**
   * Counts one request that went through a vmodel's traffic split, by route kind
   * ({@code serving} or {@code shadow}) and outcome ({@code ok}, {@code error}, or
   * {@code dropped} for a shadow copy skipped because too many were in flight).
   */
  public void routed(String route, String outcome) {
    Counter.builder("densemesh.vmodel.routed").tag("route", route).tag("outcome", outcome)
        .description("Requests through vmodel traffic splits by route kind and outcome")
        .register(registry).increment();
  }

  /** Records one run of a model that batches: how many requests it served at once. */
  public void batchRun(int requests) {
    io.micrometer.core.instrument.DistributionSummary.builder("densemesh.batch.requests")
        .description("Requests served by one run of a batching model (1: ran alone)")
        .register(registry).record(requests);
  }

  /** Registers the gauge of live instances in this node's registry view. */
  public void bindMesh(Supplier<Integer> instances) {
    Gauge.builder("densemesh.mesh.instances", instances, s -> s.get())
        .description("Live nodes in the mesh as this node sees it").register(registry);
  }

  /**
   * Records one finished request. The status is a gRPC code name; an HTTP status (all digits) is
   * recorded as the gRPC code it stands for, so one vocabulary covers every protocol.
   */
  public void request(String protocol, String method, String status, long nanos) {
    Timer.builder("densemesh.request")
        .description("Request latency by protocol, method and status (a gRPC code name)")
        .tags("protocol", protocol, "method", method, "status", statusName(status))
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  static String statusName(String status) {
    if (!status.isEmpty() && status.chars().allMatch(Character::isDigit) && status.length() <= 3) {
      return ErrorMapping.grpcCode(Integer.parseInt(status)).name();
    }
    return status;
  }

  /** Records one inference served on this node, labelled by {@link ModelLabels}. */
  public void inference(Tags labels, Status.Code status, long nanos) {
    Timer.builder("densemesh.inference")
        .description("Inference served on this node by tenant, status (and model, opted in)")
        .tags(labels).tag("status", status.name())
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Micrometer's standard gRPC server metrics ({@code grpc_server_*}), for every service. */
  public ServerInterceptor grpcServerMetrics() {
    return new MetricCollectingServerInterceptor(registry);
  }

  @Override
  public void close() {
    gc.close();
  }

  @Override
  public void hit(String modelId) {
    hits.increment();
  }

  @Override
  public void miss(String modelId) {
    misses.increment();
  }

  @Override
  public void loaded(String modelId, long sizeBytes, long loadMillis) {
    loadsOk.increment();
    loadTime.record(loadMillis, TimeUnit.MILLISECONDS);
    modelSize.record(sizeBytes);
  }

  @Override
  public void loadFailed(String modelId, String reason) {
    loadsFailed.increment();
  }

  @Override
  public void unloaded(String modelId, boolean evicted, long residentMillis) {
    unloads.increment();
    if (evicted) {
      evictions.increment();
      evictionAge.record(residentMillis / 1000.0);
    }
  }

  /** A queued load dropped before it started (every caller had left). */
  @Override
  public void loadDropped(String modelId) {
    Counter.builder("densemesh.model.loads").tag("result", "dropped")
        .description("Model loads").register(registry).increment();
  }

  @Override
  public void refused(String modelId, String reason) {
    admissionRejected(reason);
  }

  /**
   * Counts one request refused for overload, by reason: {@code in_flight} (the node's limit),
   * {@code waiting_for_model} (too many callers wait for one model's load), {@code load_queue}
   * (too many loads wait for a slot).
   */
  public void admissionRejected(String reason) {
    Counter.builder("densemesh.admission.rejected").tag("reason", reason)
        .description("Requests refused at once for overload (RESOURCE_EXHAUSTED / 429)")
        .register(registry).increment();
  }

  /** Registers the gauges of requests admitted now and the limit they count against. */
  public void bindAdmission(java.util.function.IntSupplier inFlight,
      java.util.function.IntSupplier limit) {
    Gauge.builder("densemesh.admission.in.flight", inFlight, s -> s.getAsInt())
        .description("Requests this node serves or waits on now").register(registry);
    Gauge.builder("densemesh.admission.in.flight.limit", limit, s -> s.getAsInt())
        .description("The node's limit of requests in flight").register(registry);
  }

  @Override
  public void artifactCacheHit() {
    artifactHits.increment();
  }

  @Override
  public void artifactCacheMiss() {
    artifactMisses.increment();
  }

  @Override
  public void artifactDownloaded(long bytes, long millis) {
    downloadsOk.increment();
    downloadBytes.increment(bytes);
    downloadTime.record(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void artifactDownloadFailed() {
    downloadsFailed.increment();
  }

  @Override
  public void artifactEvicted(long bytes) {
    artifactEvictions.increment();
  }

  @Override
  public void artifactCacheDamaged() {
    artifactDamaged.increment();
  }

  /** Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
