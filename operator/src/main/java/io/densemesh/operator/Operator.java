package io.densemesh.operator;

import io.densemesh.operator.isvc.IsvcController;
import io.densemesh.operator.loop.Backoff;
import io.densemesh.operator.loop.WorkQueue;
import io.densemesh.operator.mesh.MeshConnector;
import io.densemesh.operator.placement.PlacementController;
import io.densemesh.operator.resource.Kinds;
import io.densemesh.operator.resource.ResourceCache;
import io.densemesh.operator.runtime.NodeCredentials;
import io.densemesh.operator.runtime.NodeTrust;
import io.densemesh.operator.runtime.RuntimeController;
import io.densemesh.operator.runtime.RuntimeWorkload;
import io.densemesh.operator.runtime.WorkloadSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running operator: informers feed three work queues (runtimes, InferenceServices,
 * placement), and a resync timer re-queues everything every resync period, so the custom
 * resources stay the source of truth even when the mesh's registry is lost.
 */
public final class Operator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Operator.class);
  private static final String PLACEMENT_KEY = "placement";
  private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final SecureRandom random = new SecureRandom();
  private final ResourceCache cache;
  private final MeshConnector mesh;
  private final WorkQueue<String> runtimes;
  private final WorkQueue<String> isvcs;
  private final WorkQueue<String> placement;
  private final ScheduledExecutorService resync;

  /**
   * @param meshFor how to reach the mesh, given the operator's cache; see {@link #defaultMesh}
   */
  public Operator(KubernetesClient client, OperatorConfig config,
      Function<ResourceCache, MeshConnector> meshFor, Clock clock) {
    this.config = config;
    this.client = client;
    this.cache = new ResourceCache(client, config.namespace(), this::changed);
    this.mesh = meshFor.apply(cache);
    RuntimeController runtimeController = new RuntimeController(client, cache,
        new WorkloadSettings(config.namespace(), config.nodeImage(), config.defaultReplicas(),
            config.etcdSecret(), config.storageSecret(), config.adapterImage(),
            config.etcdTlsSecret(), config.nodeTlsSecret(), config.allowPrivilegedRuntimes(),
            config.nodeCredentials()));
    this.placement = new WorkQueue<>("placement", new PlacementController(client, cache, mesh,
        clock, config.resyncPeriod())::reconcile, BACKOFF);
    IsvcController isvcController = new IsvcController(client, cache, mesh, clock,
        config.statusPollInterval(), () -> placement.add(PLACEMENT_KEY));
    this.runtimes = new WorkQueue<>("runtime", runtimeController::reconcile, BACKOFF);
    this.isvcs = new WorkQueue<>("isvc", isvcController::reconcile, BACKOFF);
    this.resync = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "resync");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The default way to the mesh: {@code --mesh-target} when set, else the Service of the first
   * runtime (by name) that the namespace's catalog serves with DenseMesh nodes (all nodes of a
   * namespace share one registry, so any of them answers for the mesh).
   */
  public static Function<ResourceCache, MeshConnector> defaultMesh(OperatorConfig config) {
    if (config.meshTarget().isPresent()) {
      return cache -> MeshConnector.fixed(config.meshTarget().get(), config.meshDeadline());
    }
    return cache -> new MeshConnector(() -> RuntimeController.catalog(cache).servedByMesh()
        .stream().findFirst().map(r -> RuntimeWorkload.objectName(r.name()) + "."
            + config.namespace() + ".svc:" + RuntimeWorkload.GRPC_PORT),
        config.meshDeadline());
  }

  /** Starts the informers (waiting for their first lists), then the resync timer. */
  public Operator start() {
    if (config.insecureNodes()) {
      log.warn("*** --insecure-nodes: node pods start WITHOUT AUTHENTICATION (DM_INSECURE=true)."
          + " Anyone who can reach a pod can infer with, register, unregister and administer"
          + " every model, and join the mesh's internal port. For development only. ***");
    } else {
      // Before any pod is created: pods mount this Secret and refuse to start without it.
      mesh.authenticateWith(NodeCredentials.ensure(client, config.namespace(),
          config.nodeCredentials(), random));
    }
    trustNodes();
    cache.start();
    long period = config.resyncPeriod().toMillis();
    resync.scheduleAtFixedRate(this::resyncAll, period, period, TimeUnit.MILLISECONDS);
    resyncAll();
    log.info("operator watching namespace {} (resync {}, status poll {})", config.namespace(),
        config.resyncPeriod(), config.statusPollInterval());
    return this;
  }

  /** Whether the operator watches its namespace: every informer synced and watching. */
  public boolean watching() {
    return cache.watching();
  }

  private void resyncAll() {
    if (!config.insecureNodes()) {
      try {
        // Recreated if deleted; an administrator's new operator key is picked up.
        mesh.authenticateWith(NodeCredentials.ensure(client, config.namespace(),
            config.nodeCredentials(), random));
      } catch (RuntimeException e) {
        log.warn("cannot read Secret {}/{} with the node credentials: {}", config.namespace(),
            config.nodeCredentials(), e.toString());
      }
    }
    trustNodes();
    cache.servingRuntimes().forEach(r -> runtimes.add(r.getMetadata().getName()));
    cache.clusterServingRuntimes().forEach(r -> runtimes.add(r.getMetadata().getName()));
    cache.inferenceServices().forEach(r -> isvcs.add(r.getMetadata().getName()));
    placement.add(PLACEMENT_KEY);
  }

  /**
   * With {@code --node-tls-secret}, nodes serve TLS: the operator calls them over TLS, trusting
   * that Secret's {@code ca.crt} (re-read at each resync, so a rotated CA is picked up).
   */
  private void trustNodes() {
    if (config.nodeTlsSecret().isEmpty()) {
      return;
    }
    try {
      mesh.trust(Optional.of(NodeTrust.ca(client, config.namespace(), config.nodeTlsSecret())));
    } catch (RuntimeException e) {
      log.warn("cannot read the nodes' CA from Secret {}/{}: {}; calls to nodes keep the last"
          + " CA read (none: they fail)", config.namespace(), config.nodeTlsSecret(),
          e.getMessage());
    }
  }

  private void changed(ResourceDefinitionContext kind, GenericKubernetesResource object) {
    String name = object.getMetadata().getName();
    if (kind == Kinds.INFERENCE_SERVICE) {
      isvcs.add(name);
      placement.add(PLACEMENT_KEY);
    } else if (kind == Kinds.PLACEMENT_POLICY) {
      placement.add(PLACEMENT_KEY);
    } else {
      // A runtime change can change which runtime serves an InferenceService, and the mesh.
      runtimes.add(name);
      cache.inferenceServices().forEach(r -> isvcs.add(r.getMetadata().getName()));
      placement.add(PLACEMENT_KEY);
    }
  }

  @Override
  public void close() {
    resync.shutdownNow();
    cache.close();
    runtimes.close();
    isvcs.close();
    placement.close();
    mesh.close();
  }
}
