package io.densemesh.operator.runtime;

import io.densemesh.operator.resource.InvalidResourceException;
import io.densemesh.operator.resource.ResourceCache;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each runtime's node Deployment and Service as {@link RuntimeWorkload#desired} says:
 * creates them, replaces them when the desired hash changed (a rolling update of the pods), and
 * deletes them when the runtime is gone, disabled or not multi-model. Owner references let the
 * API server's garbage collector clean up too; deleting explicitly covers a runtime that only
 * stopped qualifying. Conflicts (409) propagate to the work queue, which retries with backoff.
 */
public final class RuntimeController {

  private static final Logger log = LoggerFactory.getLogger(RuntimeController.class);

  private final KubernetesClient client;
  private final ResourceCache cache;
  private final WorkloadSettings settings;

  public RuntimeController(KubernetesClient client, ResourceCache cache,
      WorkloadSettings settings) {
    this.client = client;
    this.cache = cache;
    this.settings = settings;
  }

  /** The catalog the namespace sees now; runtimes that do not parse are skipped (logged). */
  public static RuntimeCatalog catalog(ResourceCache cache) {
    return RuntimeCatalog.of(parse(cache.servingRuntimes()), parse(cache.clusterServingRuntimes()));
  }

  private static List<RuntimeSpec> parse(List<GenericKubernetesResource> objects) {
    List<RuntimeSpec> out = new ArrayList<>();
    for (GenericKubernetesResource o : objects) {
      try {
        out.add(RuntimeSpec.from(o));
      } catch (InvalidResourceException e) {
        log.warn("{} {} ignored: {}", o.getKind(), o.getMetadata().getName(), e.getMessage());
      }
    }
    return out;
  }

  /** Reconciles the objects of the runtime called {@code name}. */
  public Optional<Duration> reconcile(String name) {
    Optional<RuntimeSpec> runtime = catalog(cache).named(name).filter(RuntimeSpec::servedByMesh)
        .filter(this::permitted);
    Optional<GenericKubernetesResource> owner = cache.servingRuntime(name)
        .or(() -> cache.clusterServingRuntime(name));
    String objectName = RuntimeWorkload.objectName(name);
    if (runtime.isEmpty() || owner.isEmpty()) {
      deleteManaged(client.apps().deployments().inNamespace(settings.namespace())
          .withName(objectName).get());
      deleteManaged(client.services().inNamespace(settings.namespace()).withName(objectName)
          .get());
      return Optional.empty();
    }
    RuntimeWorkload.Objects desired =
        RuntimeWorkload.desired(runtime.get(), owner.get(), settings);
    Deployment deployment = desired.deployment();
    Deployment current = client.apps().deployments().inNamespace(settings.namespace())
        .withName(objectName).get();
    if (current == null) {
      client.apps().deployments().inNamespace(settings.namespace()).resource(deployment).create();
      log.info("runtime {}: created Deployment {}", name, objectName);
    } else if (!sameHash(current, deployment)) {
      deployment.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
      client.apps().deployments().inNamespace(settings.namespace()).resource(deployment).update();
      log.info("runtime {}: updated Deployment {}", name, objectName);
    }
    Service service = desired.service();
    Service currentService = client.services().inNamespace(settings.namespace())
        .withName(objectName).get();
    if (currentService == null) {
      client.services().inNamespace(settings.namespace()).resource(service).create();
    } else if (!sameHash(currentService, service)) {
      service.getMetadata().setResourceVersion(currentService.getMetadata().getResourceVersion());
      if (currentService.getSpec() != null) {
        // Immutable once allocated.
        service.getSpec().setClusterIP(currentService.getSpec().getClusterIP());
        service.getSpec().setClusterIPs(currentService.getSpec().getClusterIPs());
      }
      client.services().inNamespace(settings.namespace()).resource(service).update();
    }
    return Optional.empty();
  }

  /** A runtime asking for privileges runs only when the operator allows it. */
  private boolean permitted(RuntimeSpec runtime) {
    if (runtime.privileges().isEmpty() || settings.allowPrivilegedRuntimes()) {
      return true;
    }
    log.warn("runtime {} refused: it asks for privileges ({}); the operator runs such runtimes "
        + "only with --allow-privileged-runtimes", runtime.name(),
        String.join("; ", runtime.privileges()));
    return false;
  }

  private static boolean sameHash(HasMetadata current, HasMetadata desired) {
    Map<String, String> annotations = current.getMetadata().getAnnotations();
    return annotations != null && desired.getMetadata().getAnnotations().get(
        RuntimeWorkload.SPEC_HASH).equals(annotations.get(RuntimeWorkload.SPEC_HASH));
  }

  private void deleteManaged(HasMetadata object) {
    if (object == null || object.getMetadata().getLabels() == null
        || !RuntimeWorkload.MANAGER.equals(
            object.getMetadata().getLabels().get(RuntimeWorkload.MANAGED_BY))) {
      return;
    }
    client.resource(object).delete();
    log.info("deleted {} {}", object.getKind(), object.getMetadata().getName());
  }
}
