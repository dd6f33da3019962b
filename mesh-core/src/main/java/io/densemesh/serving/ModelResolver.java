package io.densemesh.serving;

import io.densemesh.api.registry.ModelRecord;
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns what a request names into a concrete registered model. The {@code mm-vmodel-id} and
 * {@code mm-model-id} headers win over the body's model name (ModelMesh routes by header); a body
 * name may be a model id or a vmodel id (KServe clients name the InferenceService, i.e. the
 * vmodel). The only model version is "1"; an empty version means it. A vmodel with a traffic
 * split resolves to one of its serving routes per request ({@link TrafficSplit}: random by
 * weight, or stable for a split key) and names the shadows that get a copy.
 */
public final class ModelResolver {

  public static final String VERSION = "1";

  private final Registry registry;
  private final TenantGuard guard;

  public ModelResolver(Registry registry) {
    this.registry = registry;
    this.guard = new TenantGuard(id -> registry.model(id).map(m -> m.value().getTenant()));
  }

  /**
   * Resolves for a caller and authorises it to infer with the result, once, before any routing:
   * a model of a tenant the caller does not see fails exactly like one that is not registered.
   *
   * @throws io.densemesh.runtime.error.PermissionDeniedException when the role may not infer
   */
  public ModelSpec resolveFor(Principal caller, String bodyName, String vmodelHeader,
      String modelHeader, String version) {
    return routeFor(caller, bodyName, vmodelHeader, modelHeader, version, null).model();
  }

  /**
   * What a request resolves to: the model that serves it and, when it named a vmodel with a
   * split, the vmodel and the shadows that get a copy (none otherwise).
   *
   * @param model the model that answers the client
   * @param vmodelId the vmodel the request went through ("" when it named a model)
   * @param shadows models that get a copy of the request, answers discarded
   */
  public record Routed(ModelSpec model, String vmodelId, List<ModelSpec> shadows) {

    /** Whether the request went through a split (its route is counted). */
    public boolean split() {
      return !vmodelId.isEmpty();
    }
  }

  /**
   * {@link #resolveFor} with a vmodel split applied per request.
   *
   * @param splitKey the request's {@code mm-split-key} (null or empty: random by weight)
   */
  public Routed routeFor(Principal caller, String bodyName, String vmodelHeader,
      String modelHeader, String version, String splitKey) {
    guard.requireRole(caller, Action.INFER);
    return authorised(caller, route(bodyName, vmodelHeader, modelHeader, version, splitKey),
        bodyName, vmodelHeader, modelHeader);
  }

  /**
   * {@link #routeFor} from this node's view only: a model not in the view fails at once (no
   * catch-up read of the registry), so it never blocks. For a transport thread, which hands a
   * miss to a thread that may block.
   */
  public Routed routeForInView(Principal caller, String bodyName, String vmodelHeader,
      String modelHeader, String version, String splitKey) {
    guard.requireRole(caller, Action.INFER);
    return authorised(caller,
        resolveInView(bodyName, vmodelHeader, modelHeader, version, splitKey),
        bodyName, vmodelHeader, modelHeader);
  }

  private Routed authorised(Principal caller, Routed routed, String bodyName,
      String vmodelHeader, String modelHeader) {
    if (!guard.model(caller, routed.model().modelId())) {
      throw notRegistered(bodyName, vmodelHeader, modelHeader);
    }
    return routed;
  }

  /**
   * @param bodyName model name from the request body or URL (may be empty)
   * @param vmodelHeader value of mm-vmodel-id (may be null/empty)
   * @param modelHeader value of mm-model-id (may be null/empty)
   * @param version requested version (may be null/empty)
   */
  public ModelSpec resolve(String bodyName, String vmodelHeader, String modelHeader,
      String version) {
    return route(bodyName, vmodelHeader, modelHeader, version, null).model();
  }

  private Routed route(String bodyName, String vmodelHeader, String modelHeader,
      String version, String splitKey) {
    try {
      return resolveInView(bodyName, vmodelHeader, modelHeader, version, splitKey);
    } catch (ModelNotFoundException missed) {
      // Registered through another node a moment ago? Catch up with the registry once.
      for (String id : new String[] {vmodelHeader, modelHeader, bodyName}) {
        registry.catchUp(id);
      }
      registry.vmodel(firstNonEmpty(vmodelHeader, bodyName))
          .ifPresent(v -> VModelSplits.referenced(v.value()).forEach(registry::catchUp));
      return resolveInView(bodyName, vmodelHeader, modelHeader, version, splitKey);
    }
  }

  private Routed resolveInView(String bodyName, String vmodelHeader, String modelHeader,
      String version, String splitKey) {
    if (version != null && !version.isEmpty() && !version.equals(VERSION)) {
      throw new ModelNotFoundException(
          "model '" + firstNonEmpty(vmodelHeader, modelHeader, bodyName) + "' has no version '"
              + version + "' (the only version is " + VERSION + ")");
    }
    if (vmodelHeader != null && !vmodelHeader.isEmpty()) {
      return throughVModel(vmodelHeader, splitKey)
          .orElseThrow(() -> notRegistered(bodyName, vmodelHeader, modelHeader));
    }
    if (modelHeader != null && !modelHeader.isEmpty()) {
      return direct(registry.model(modelHeader).map(Versioned::value)
          .orElseThrow(() -> notRegistered(bodyName, vmodelHeader, modelHeader)));
    }
    if (bodyName == null || bodyName.isEmpty()) {
      throw new InvalidInputException(
          "no model named: model_name is empty and no mm-model-id/mm-vmodel-id header is set");
    }
    Optional<Versioned<ModelRecord>> direct = registry.model(bodyName);
    if (direct.isPresent()) {
      return direct(direct.get().value());
    }
    return throughVModel(bodyName, splitKey).orElseThrow(
        () -> notRegistered(bodyName, vmodelHeader, modelHeader));
  }

  private static Routed direct(ModelRecord record) {
    return new Routed(spec(record), "", List.of());
  }

  private Optional<Routed> throughVModel(String vmodelId, String splitKey) {
    Optional<Versioned<VModelRecord>> vmodel = registry.vmodel(vmodelId);
    if (vmodel.isEmpty()) {
      return Optional.empty();
    }
    VModelRecord v = vmodel.get().value();
    if (v.getRoutesCount() == 0) {
      return Optional.of(new Routed(spec(model(vmodelId, v.getActiveModelId())), "", List.of()));
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String chosen = TrafficSplit.choose(v.getRoutesList(), splitKey, random::nextDouble);
    List<String> shadowIds = TrafficSplit.shadows(v.getRoutesList(), random::nextDouble);
    List<ModelSpec> shadows = shadowIds.isEmpty() ? List.of() : shadowIds.stream()
        .flatMap(id -> registry.model(id).stream()).map(m -> spec(m.value())).toList();
    return Optional.of(new Routed(spec(model(vmodelId, chosen)), vmodelId, shadows));
  }

  private ModelRecord model(String vmodelId, String modelId) {
    return registry.model(modelId).map(Versioned::value).orElseThrow(
        () -> new ModelNotFoundException("vmodel '" + vmodelId + "' points to model '" + modelId
            + "', which is not registered"));
  }

  /**
   * The error {@link #resolve} raises when what a request names is not registered, word for
   * word: also the answer for a model the caller may not see, so the two cannot be told apart.
   */
  public static ModelNotFoundException notRegistered(String bodyName, String vmodelHeader,
      String modelHeader) {
    if (vmodelHeader != null && !vmodelHeader.isEmpty()) {
      return new ModelNotFoundException("vmodel '" + vmodelHeader + "' is not registered");
    }
    String id = modelHeader != null && !modelHeader.isEmpty() ? modelHeader : bodyName;
    return new ModelNotFoundException("model '" + id + "' is not registered");
  }

  /** The spec a runtime loads for a registered model. */
  public static ModelSpec specOf(ModelRecord record) {
    return spec(record);
  }

  static ModelSpec spec(ModelRecord record) {
    return new ModelSpec(record.getModelId(), record.getType(), record.getPath(), record.getKey());
  }

  private static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }
}
