package io.densemesh.operator.isvc;

import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.isvc.IsvcStatus.SpecFailure;
import io.densemesh.operator.mesh.MeshClient;
import io.densemesh.operator.mesh.MeshConnector;
import io.densemesh.operator.resource.InvalidResourceException;
import io.densemesh.operator.resource.Kinds;
import io.densemesh.operator.resource.ResourceCache;
import io.densemesh.operator.resource.StatusWriter;
import io.densemesh.operator.runtime.RuntimeCatalog;
import io.densemesh.operator.runtime.RuntimeController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles one InferenceService in ModelMesh mode: registers (or re-registers, after a registry
 * loss) its vmodel when the mesh's target differs from the desired concrete model, deletes the
 * vmodel when the InferenceService goes (a finalizer guarantees the operator sees the deletion),
 * and writes the KServe status when it changed. Until the status settles it is polled again after
 * the poll interval; at rest the periodic resync looks again.
 */
public final class IsvcController {

  private static final Logger log = LoggerFactory.getLogger(IsvcController.class);

  public static final String FINALIZER = "densemesh.io/vmodel";
  public static final String DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode";
  public static final String MODEL_MESH = "ModelMesh";

  private final KubernetesClient client;
  private final ResourceCache cache;
  private final MeshConnector mesh;
  private final StatusWriter statusWriter;
  private final Clock clock;
  private final Duration pollInterval;
  private final Runnable onRegistered;

  /**
   * @param onRegistered called after a vmodel was (re)registered, e.g. to re-apply copy bounds
   */
  public IsvcController(KubernetesClient client,
      ResourceCache cache, MeshConnector mesh, Clock clock, Duration pollInterval,
      Runnable onRegistered) {
    this.client = client;
    this.cache = cache;
    this.mesh = mesh;
    this.statusWriter = new StatusWriter(client);
    this.clock = clock;
    this.pollInterval = pollInterval;
    this.onRegistered = onRegistered;
  }

  public static boolean isModelMesh(GenericKubernetesResource isvc) {
    Map<String, String> annotations = isvc.getMetadata().getAnnotations();
    return annotations != null && MODEL_MESH.equals(annotations.get(DEPLOYMENT_MODE));
  }

  public Optional<Duration> reconcile(String name) {
    Optional<GenericKubernetesResource> found = cache.inferenceService(name);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    GenericKubernetesResource isvc = found.get();
    String namespace = cache.namespace();
    String owner = VModelPlan.owner(namespace);
    boolean finalized = hasFinalizer(isvc);
    if (isvc.getMetadata().getDeletionTimestamp() != null || !isModelMesh(isvc)) {
      if (finalized) {
        requireMesh().deleteVModel(name, owner);
        log.info("isvc {}: vmodel deleted", name);
        setFinalizer(name, false);
      }
      return Optional.empty();
    }
    if (!finalized) {
      isvc = setFinalizer(name, true);
    }

    Optional<SpecFailure> failure = Optional.empty();
    Optional<String> runtime = Optional.empty();
    PredictorSpec predictor = null;
    Optional<String> batching = Optional.empty();
    try {
      predictor = PredictorSpec.from(isvc);
      batching = ConcreteModel.batching(isvc.getMetadata().getAnnotations());
      RuntimeCatalog.Choice choice = RuntimeController.catalog(cache)
          .choose(predictor.format(), predictor.formatVersion(), predictor.runtime());
      if (choice instanceof RuntimeCatalog.Choice.Chosen chosen) {
        runtime = Optional.of(chosen.runtime().name());
      } else if (choice instanceof RuntimeCatalog.Choice.NoneFits none) {
        failure = Optional.of(new SpecFailure(none.reason(), none.message()));
      }
    } catch (InvalidResourceException e) {
      failure = Optional.of(new SpecFailure(e.reason(), e.getMessage()));
    }

    Optional<MeshClient> meshClient = mesh.client();
    VModelStatusInfo meshStatus = meshClient.map(c -> c.vmodelStatus(name, owner))
        .orElse(VModelStatusInfo.newBuilder().setStatus(VModelStatus.NOT_FOUND).build());
    Optional<Integer> canary = Optional.empty();
    if (failure.isEmpty()) {
      try {
        canary = CanaryPlan.percent(isvc);
      } catch (InvalidResourceException e) {
        failure = Optional.of(new SpecFailure(e.reason(), e.getMessage()));
      }
    }
    if (failure.isEmpty() && meshClient.isPresent()) {
      ConcreteModel model = ConcreteModel.of(name, predictor, batching);
      try {
        if (!rollOutCanary(meshClient.get(), name, namespace, model, canary, meshStatus)) {
          boolean split = meshStatus.getStatus() != VModelStatus.NOT_FOUND && meshClient.get()
              .vmodelRoutes(name, owner).map(r -> r.getRoutesCount() > 1
                  || r.getPendingRoutesCount() > 0).orElse(false);
          Optional<SetVModelRequest> request =
              VModelPlan.next(name, namespace, model, meshStatus, split);
          if (request.isPresent()) {
            meshStatus = meshClient.get().setVModel(request.get());
            log.info("isvc {}: vmodel targets {} ({} {})", name, model.id(),
                model.info().getType(), model.info().getPath());
            onRegistered.run();
          }
        } else {
          meshStatus = meshClient.get().vmodelStatus(name, owner);
        }
      } catch (StatusRuntimeException e) {
        failure = refused(e);
      }
    }
    Map<String, Object> status = IsvcStatus.desired(new IsvcStatus.Input(namespace,
        Optional.ofNullable(isvc.getMetadata().getGeneration()).orElse(0L), runtime, failure,
        meshStatus, StatusWriter.statusOf(isvc)), clock.instant());
    statusWriter.write(Kinds.INFERENCE_SERVICE, isvc, status);
    return IsvcStatus.settled(status) && meshClient.isPresent() ? Optional.empty()
        : Optional.of(pollInterval);
  }

  /**
   * A canary share below 100 with a previous revision to split with: asks the mesh for the
   * split when it does not have it yet. False when the plain plan applies instead (no canary, a
   * promotion at 100, a first rollout, or no vmodel yet).
   */
  private boolean rollOutCanary(MeshClient client, String name, String namespace,
      ConcreteModel model, Optional<Integer> canary, VModelStatusInfo meshStatus) {
    if (canary.isEmpty() || canary.get() >= 100
        || meshStatus.getStatus() == VModelStatus.NOT_FOUND) {
      return false;
    }
    Optional<io.densemesh.api.admin.VModelRoutes> current =
        client.vmodelRoutes(name, VModelPlan.owner(namespace));
    if (current.isEmpty() || CanaryPlan.previous(current.get(), model.id()).isEmpty()) {
      return false;
    }
    CanaryPlan.next(name, namespace, model, canary.get(), current.get()).ifPresent(request -> {
      client.setVModelRoutes(request);
      log.info("isvc {}: canary {}% to {}, the rest to {}", name, canary.get(), model.id(),
          CanaryPlan.previous(current.get(), model.id()).orElse("?"));
      onRegistered.run();
    });
    return true;
  }

  /** Mesh answers that retrying will not change become the status; others are retried. */
  private static Optional<SpecFailure> refused(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    String message = "the mesh refused the registration: " + e.getStatus().getDescription();
    return switch (code) {
      case INVALID_ARGUMENT -> Optional.of(new SpecFailure(PredictorSpec.REASON, message));
      case ALREADY_EXISTS, FAILED_PRECONDITION, NOT_FOUND ->
          Optional.of(new SpecFailure(IsvcStatus.MODEL_LOAD_FAILED, message));
      default -> throw e;
    };
  }

  private MeshClient requireMesh() {
    return mesh.client().orElseThrow(() -> new IllegalStateException(
        "no mesh to talk to yet (no runtime Deployment and no --mesh-target)"));
  }

  private static boolean hasFinalizer(GenericKubernetesResource r) {
    List<String> f = r.getMetadata().getFinalizers();
    return f != null && f.contains(FINALIZER);
  }

  private GenericKubernetesResource setFinalizer(String name, boolean present) {
    return client.genericKubernetesResources(Kinds.INFERENCE_SERVICE).inNamespace(cache.namespace())
        .withName(name).edit(r -> {
          List<String> finalizers = new ArrayList<>(Optional.ofNullable(
              r.getMetadata().getFinalizers()).orElse(List.of()));
          finalizers.remove(FINALIZER);
          if (present) {
            finalizers.add(FINALIZER);
          }
          r.getMetadata().setFinalizers(finalizers);
          return r;
        });
  }
}
