package io.densemesh.operator.isvc;

import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.resource.Conditions;
import io.densemesh.operator.resource.Fields;
import io.densemesh.operator.runtime.RuntimeWorkload;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The KServe status of a ModelMesh-mode InferenceService, from the mesh's view of its vmodel: a
 * pure function. Field names and values are KServe's ({@code status.modelStatus.states},
 * {@code transitionStatus}, {@code copies}, {@code lastFailureInfo}, {@code PredictorReady} and
 * {@code Ready} conditions, {@code status.url} and {@code components.predictor} URLs), so KServe
 * clients read it unchanged.
 *
 * <p>Mesh model states map to KServe's: NOT_FOUND → Pending, NOT_LOADED → Standby (registered,
 * not resident, e.g. evicted), LOADING → Loading, LOADED → Loaded, LOADING_FAILED → FailedToLoad.
 * Times are taken from the mesh (copy times) or kept from the previous status when nothing
 * changed, so a steady status is stable and is not rewritten.
 */
public final class IsvcStatus {

  public static final String LOADED = "Loaded";
  public static final String FAILED_TO_LOAD = "FailedToLoad";
  public static final String MODEL_LOAD_FAILED = "ModelLoadFailed";

  private IsvcStatus() {}

  /** Why the spec cannot be served (reason is a KServe FailureReason). */
  public record SpecFailure(String reason, String message) {}

  /**
   * @param namespace the InferenceService's namespace (for URLs)
   * @param generation its {@code metadata.generation}
   * @param runtime the runtime serving it, when one was chosen
   * @param specFailure why it cannot be registered, if so
   * @param mesh the mesh's vmodel status (NOT_FOUND when absent)
   * @param previous the current {@code status} (empty map when none)
   */
  public record Input(String namespace, long generation, Optional<String> runtime,
      Optional<SpecFailure> specFailure, VModelStatusInfo mesh, Map<String, Object> previous) {}

  public static Map<String, Object> desired(Input in, Instant now) {
    VModelStatusInfo mesh = in.mesh();
    boolean registered = mesh.getStatus() != VModelStatus.NOT_FOUND;
    boolean transitioning = mesh.getStatus() == VModelStatus.TRANSITIONING
        || mesh.getStatus() == VModelStatus.TRANSITION_FAILED;

    String active = registered ? state(mesh.getActiveModelStatus().getStatus())
        : in.specFailure().isPresent() ? FAILED_TO_LOAD : "Pending";
    String target = "";
    if (in.specFailure().isPresent() && registered) {
      target = FAILED_TO_LOAD;
    } else if (transitioning) {
      target = mesh.getStatus() == VModelStatus.TRANSITION_FAILED ? FAILED_TO_LOAD
          : state(mesh.getTargetModelStatus().getStatus());
    }
    String transition;
    if (in.specFailure().isPresent()) {
      transition = "InvalidSpec";
    } else if (FAILED_TO_LOAD.equals(target) || (target.isEmpty() && FAILED_TO_LOAD.equals(active))) {
      transition = "BlockedByFailedLoad";
    } else if (transitioning) {
      transition = "InProgress";
    } else {
      transition = "UpToDate";
    }

    Map<String, Object> previousModelStatus = Fields.of(in.previous(), "status", "")
        .object("modelStatus").raw();
    Optional<Map<String, Object>> failure = failure(in, transitioning,
        Fields.of(previousModelStatus, "modelStatus", "").object("lastFailureInfo").raw(), now);

    Map<String, Object> states = new LinkedHashMap<>();
    states.put("activeModelState", active);
    states.put("targetModelState", target);
    Map<String, Object> copies = new LinkedHashMap<>();
    ModelStatusInfo activeInfo = mesh.getActiveModelStatus();
    copies.put("failedCopies", count(activeInfo, ModelStatus.LOADING_FAILED));
    copies.put("totalCopies", count(activeInfo, ModelStatus.LOADED));
    Map<String, Object> modelStatus = new LinkedHashMap<>();
    modelStatus.put("states", states);
    modelStatus.put("transitionStatus", transition);
    modelStatus.put("copies", copies);
    failure.ifPresent(f -> modelStatus.put("lastFailureInfo", f));

    boolean ready = LOADED.equals(active);
    String reason = ready ? "" : failure.map(f -> (String) f.get("reason")).orElse("Model" + active);
    String message = ready ? "" : failure.map(f -> (String) f.get("message")).orElse("");
    List<Object> previousConditions = Fields.of(in.previous(), "status", "").list("conditions");

    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", in.generation());
    in.runtime().ifPresent(rt -> {
      String grpc = RuntimeWorkload.grpcUrl(rt, in.namespace());
      String rest = RuntimeWorkload.restUrl(rt, in.namespace());
      status.put("url", grpc);
      status.put("address", Map.of("url", grpc));
      Map<String, Object> predictor = new LinkedHashMap<>();
      predictor.put("grpcUrl", grpc);
      predictor.put("restUrl", rest);
      predictor.put("url", grpc);
      status.put("components", Map.of("predictor", predictor));
    });
    status.put("conditions", List.of(
        Conditions.condition(previousConditions, "PredictorReady", ready, reason, message, now),
        Conditions.condition(previousConditions, "Ready", ready, reason, message, now)));
    status.put("modelStatus", modelStatus);
    return status;
  }

  /** Whether the status is at rest (loaded and up to date, or blocked by a failure). */
  public static boolean settled(Map<String, Object> status) {
    Fields ms = Fields.of(status, "status", "").object("modelStatus");
    String transition = ms.string("transitionStatus").orElse("");
    String active = ms.object("states").string("activeModelState").orElse("");
    return switch (transition) {
      case "InvalidSpec", "BlockedByFailedLoad" -> true;
      case "UpToDate" -> LOADED.equals(active) || "Standby".equals(active);
      default -> false;
    };
  }

  static String state(ModelStatus status) {
    return switch (status) {
      case NOT_LOADED -> "Standby";
      case LOADING -> "Loading";
      case LOADED -> LOADED;
      case LOADING_FAILED -> FAILED_TO_LOAD;
      case NOT_FOUND, UNKNOWN, UNRECOGNIZED -> "Pending";
    };
  }

  private static Optional<Map<String, Object>> failure(Input in, boolean transitioning,
      Map<String, Object> previous, Instant now) {
    String reason;
    String message;
    String model = "";
    long millis = 0;
    if (in.specFailure().isPresent()) {
      reason = in.specFailure().get().reason();
      message = in.specFailure().get().message();
    } else {
      VModelStatusInfo mesh = in.mesh();
      ModelStatusInfo failed = null;
      if (transitioning && (mesh.getStatus() == VModelStatus.TRANSITION_FAILED
          || mesh.getTargetModelStatus().getStatus() == ModelStatus.LOADING_FAILED)) {
        failed = mesh.getTargetModelStatus();
        model = mesh.getTargetModelId();
      } else if (mesh.getActiveModelStatus().getStatus() == ModelStatus.LOADING_FAILED) {
        failed = mesh.getActiveModelStatus();
        model = mesh.getActiveModelId();
      }
      if (failed == null) {
        return Optional.empty();
      }
      reason = MODEL_LOAD_FAILED;
      message = failed.getErrorsCount() > 0 ? String.join("; ", failed.getErrorsList())
          : "the model failed to load";
      for (ModelStatusInfo.ModelCopyInfo copy : failed.getModelCopyInfosList()) {
        if (copy.getCopyStatus() == ModelStatus.LOADING_FAILED) {
          millis = Math.max(millis, copy.getTime());
        }
      }
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("reason", reason);
    f.put("message", message);
    if (!model.isEmpty()) {
      f.put("modelRevisionName", model);
    }
    String time;
    if (millis > 0) {
      time = Conditions.timestamp(Instant.ofEpochMilli(millis));
    } else if (reason.equals(previous.get("reason")) && message.equals(previous.get("message"))
        && previous.get("time") instanceof String t) {
      time = t;
    } else {
      time = Conditions.timestamp(now);
    }
    f.put("time", time);
    return Optional.of(f);
  }

  private static int count(ModelStatusInfo info, ModelStatus status) {
    int n = 0;
    for (ModelStatusInfo.ModelCopyInfo copy : info.getModelCopyInfosList()) {
      if (copy.getCopyStatus() == status) {
        n++;
      }
    }
    return n;
  }
}
