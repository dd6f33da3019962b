package io.densemesh.operator.resource;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Informer-backed local copies of the watched custom resources: ServingRuntimes, InferenceServices
 * and PlacementPolicies of the operator's namespace, and ClusterServingRuntimes. Controllers read
 * from here (never list the API server per reconcile); events call the given listener.
 */
public final class ResourceCache implements AutoCloseable {

  private final String namespace;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private final SharedIndexInformer<GenericKubernetesResource> runtimes;
  private final SharedIndexInformer<GenericKubernetesResource> clusterRuntimes;
  private final SharedIndexInformer<GenericKubernetesResource> isvcs;
  private final SharedIndexInformer<GenericKubernetesResource> policies;

  /** Called with the kind and the object on every add, update and delete. */
  @FunctionalInterface
  public interface Listener {
    void changed(ResourceDefinitionContext kind, GenericKubernetesResource object);
  }

  public ResourceCache(KubernetesClient client, String namespace, Listener listener) {
    this.namespace = namespace;
    runtimes = inform(client, Kinds.SERVING_RUNTIME, listener);
    clusterRuntimes = inform(client, Kinds.CLUSTER_SERVING_RUNTIME, listener);
    isvcs = inform(client, Kinds.INFERENCE_SERVICE, listener);
    policies = inform(client, Kinds.PLACEMENT_POLICY, listener);
  }

  private SharedIndexInformer<GenericKubernetesResource> inform(KubernetesClient client,
      ResourceDefinitionContext kind, Listener listener) {
    var ops = client.genericKubernetesResources(kind);
    SharedIndexInformer<GenericKubernetesResource> informer =
        (kind.isNamespaceScoped() ? ops.inNamespace(namespace) : ops).runnableInformer(0);
    Consumer<GenericKubernetesResource> notify = o -> listener.changed(kind, o);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource obj) {
        notify.accept(obj);
      }

      @Override
      public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
        notify.accept(newObj);
      }

      @Override
      public void onDelete(GenericKubernetesResource obj, boolean finalStateUnknown) {
        notify.accept(obj);
      }
    });
    informers.add(informer);
    return informer;
  }

  /** Starts watching and waits until every cache holds its initial list. */
  public void start() {
    for (SharedIndexInformer<GenericKubernetesResource> i : informers) {
      i.start().toCompletableFuture().join();
    }
  }

  /** Whether every informer has listed and is watching (false before start and after loss). */
  public boolean watching() {
    return informers.stream().allMatch(i -> i.hasSynced() && i.isWatching());
  }

  public String namespace() {
    return namespace;
  }

  public List<GenericKubernetesResource> servingRuntimes() {
    return sorted(runtimes);
  }

  public List<GenericKubernetesResource> clusterServingRuntimes() {
    return sorted(clusterRuntimes);
  }

  public List<GenericKubernetesResource> inferenceServices() {
    return sorted(isvcs);
  }

  /** Oldest first, then by name (the order PlacementPolicies take precedence in). */
  public List<GenericKubernetesResource> placementPolicies() {
    List<GenericKubernetesResource> all = new ArrayList<>(policies.getStore().list());
    all.sort(Comparator.comparing((GenericKubernetesResource r) ->
            Optional.ofNullable(r.getMetadata().getCreationTimestamp()).orElse(""))
        .thenComparing(r -> r.getMetadata().getName()));
    return all;
  }

  public Optional<GenericKubernetesResource> inferenceService(String name) {
    return Optional.ofNullable(isvcs.getStore().getByKey(namespace + "/" + name));
  }

  public Optional<GenericKubernetesResource> servingRuntime(String name) {
    return Optional.ofNullable(runtimes.getStore().getByKey(namespace + "/" + name));
  }

  public Optional<GenericKubernetesResource> clusterServingRuntime(String name) {
    return Optional.ofNullable(clusterRuntimes.getStore().getByKey(name));
  }

  private static List<GenericKubernetesResource> sorted(
      SharedIndexInformer<GenericKubernetesResource> informer) {
    List<GenericKubernetesResource> all = new ArrayList<>(informer.getStore().list());
    all.sort(Comparator.comparing(r -> r.getMetadata().getName()));
    return all;
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
