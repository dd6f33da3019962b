package io.densemesh.operator.placement;

import io.densemesh.api.admin.ListModelsResponse;
import io.densemesh.operator.isvc.ConcreteModel;
import io.densemesh.operator.isvc.IsvcController;
import io.densemesh.operator.isvc.PredictorSpec;
import io.densemesh.operator.mesh.MeshClient;
import io.densemesh.operator.mesh.MeshConnector;
import io.densemesh.operator.placement.PlacementPlan.Bounds;
import io.densemesh.operator.placement.PlacementPlan.PolicyInput;
import io.densemesh.operator.placement.PlacementPlan.Subject;
import io.densemesh.operator.placement.PlacementPlan.Verdict;
import io.densemesh.operator.resource.InvalidResourceException;
import io.densemesh.operator.resource.Kinds;
import io.densemesh.operator.resource.ResourceCache;
import io.densemesh.operator.resource.StatusWriter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the namespace's PlacementPolicies to the mesh through {@code densemesh.v1.MeshAdmin}:
 * the merged settings with {@code setPlacementConfig} (only when they differ from what the mesh
 * reports), copy bounds with {@code setModelPolicy} (only for models whose bounds differ), and
 * each policy's verdict into its status. One key covers the whole namespace, since the mesh has
 * one configuration.
 */
public final class PlacementController {

  private static final Logger log = LoggerFactory.getLogger(PlacementController.class);

  public static final String MESH_REJECTED = "MeshRejected";
  public static final String MESH_UNAVAILABLE = "MeshUnavailable";

  private final ResourceCache cache;
  private final MeshConnector mesh;
  private final StatusWriter statusWriter;
  private final Clock clock;
  private final Duration retryInterval;

  public PlacementController(KubernetesClient client, ResourceCache cache, MeshConnector mesh,
      Clock clock, Duration retryInterval) {
    this.cache = cache;
    this.mesh = mesh;
    this.statusWriter = new StatusWriter(client);
    this.clock = clock;
    this.retryInterval = retryInterval;
  }

  public Optional<Duration> reconcile(String ignoredKey) {
    List<GenericKubernetesResource> policies = cache.placementPolicies();
    List<PolicyInput> inputs = new ArrayList<>();
    for (GenericKubernetesResource p : policies) {
      String name = p.getMetadata().getName();
      try {
        inputs.add(PolicyInput.valid(name, PlacementPolicySpec.from(p)));
      } catch (InvalidResourceException e) {
        inputs.add(PolicyInput.invalid(name, e));
      }
    }
    Optional<MeshClient> client = mesh.client();
    if (client.isEmpty()) {
      PlacementPlan plan = PlacementPlan.of(inputs, isvcSubjects());
      writeAll(policies, pending(plan, "no mesh to talk to yet (no runtime Deployment)"));
      return Optional.of(retryInterval);
    }
    Map<String, Verdict> verdicts;
    try {
      verdicts = push(client.get(), inputs);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED
          && e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
        throw e;
      }
      PlacementPlan plan = PlacementPlan.of(inputs, isvcSubjects());
      writeAll(policies, pending(plan, "the mesh cannot take placement settings: "
          + e.getStatus().getCode() + " " + e.getStatus().getDescription()));
      return Optional.of(retryInterval);
    }
    writeAll(policies, verdicts);
    return Optional.empty();
  }

  private Map<String, Verdict> push(MeshClient client, List<PolicyInput> inputs) {
    List<ListModelsResponse.Entry> registered = client.listModels();
    List<Subject> subjects = new ArrayList<>(isvcSubjects());
    Map<String, ListModelsResponse.Entry> byId = new LinkedHashMap<>();
    for (ListModelsResponse.Entry e : registered) {
      byId.put(e.getModelId(), e);
      if (!e.getModelId().contains("__isvc-")) {
        subjects.add(new Subject(e.getModelId(), Map.of(), e.getModelId(), false));
      }
    }
    PlacementPlan plan = PlacementPlan.of(inputs, subjects);
    Map<String, Verdict> verdicts = new LinkedHashMap<>(plan.verdicts());
    if (!client.placementConfig().equals(plan.settings())) {
      try {
        client.setPlacementConfig(plan.settings());
        log.info("placement settings applied: {}", plan.settings());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT
            || plan.settingsSource().isEmpty()) {
          throw e;
        }
        verdicts.put(plan.settingsSource().get(), new Verdict(false, MESH_REJECTED,
            "the mesh rejected the settings: " + e.getStatus().getDescription(), 0));
      }
    }
    for (Map.Entry<String, Bounds> want : plan.modelPolicies().entrySet()) {
      ListModelsResponse.Entry have = byId.get(want.getKey());
      Bounds b = want.getValue();
      if (have == null || (have.getMinCopies() == b.minCopies()
          && have.getMaxCopies() == b.maxCopies() && have.getTenant().equals(b.tenant()))) {
        continue; // not registered (yet), or already so
      }
      try {
        client.setModelPolicy(want.getKey(), b.minCopies(), b.maxCopies(), b.tenant());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }
    return verdicts;
  }

  /** Models InferenceServices define, with their labels; unparsable predictors are skipped. */
  private List<Subject> isvcSubjects() {
    List<Subject> subjects = new ArrayList<>();
    for (GenericKubernetesResource isvc : cache.inferenceServices()) {
      if (!IsvcController.isModelMesh(isvc) || isvc.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      try {
        String name = isvc.getMetadata().getName();
        subjects.add(new Subject(name, Optional.ofNullable(isvc.getMetadata().getLabels())
            .orElse(Map.of()), ConcreteModel.of(name, PredictorSpec.from(isvc)).id(), true));
      } catch (InvalidResourceException e) {
        // Its own status says why.
      }
    }
    return subjects;
  }

  private static Map<String, Verdict> pending(PlacementPlan plan, String message) {
    Map<String, Verdict> out = new LinkedHashMap<>();
    plan.verdicts().forEach((name, v) -> out.put(name, v.accepted()
        ? new Verdict(false, MESH_UNAVAILABLE, message, v.matchedModels()) : v));
    return out;
  }

  private void writeAll(List<GenericKubernetesResource> policies, Map<String, Verdict> verdicts) {
    for (GenericKubernetesResource p : policies) {
      Verdict v = verdicts.get(p.getMetadata().getName());
      String phase = v.accepted() ? PolicyStatus.APPLIED
          : MESH_UNAVAILABLE.equals(v.reason()) ? PolicyStatus.PENDING : PolicyStatus.REJECTED;
      statusWriter.write(Kinds.PLACEMENT_POLICY, p, PolicyStatus.desired(phase, v.reason(),
          v.message(), v.matchedModels(),
          Optional.ofNullable(p.getMetadata().getGeneration()).orElse(0L),
          StatusWriter.statusOf(p), clock.instant()));
    }
  }
}
