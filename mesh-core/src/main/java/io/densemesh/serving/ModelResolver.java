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
import java.util.Optional;

/**
 * Turns what a request names into a concrete registered model. The {@code mm-vmodel-id} and
 * {@code mm-model-id} headers win over the body's model name (ModelMesh routes by header); a body
 * name may be a model id or a vmodel id (KServe clients name the InferenceService, i.e. the
 * vmodel). The only model version is "1"; an empty version means it.
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
    guard.requireRole(caller, Action.INFER);
    ModelSpec spec = resolve(bodyName, vmodelHeader, modelHeader, version);
    if (!guard.model(caller, spec.modelId())) {
      throw notRegistered(bodyName, vmodelHeader, modelHeader);
    }
    return spec;
  }

  /**
   * @param bodyName model name from the request body or URL (may be empty)
   * @param vmodelHeader value of mm-vmodel-id (may be null/empty)
   * @param modelHeader value of mm-model-id (may be null/empty)
   * @param version requested version (may be null/empty)
   */
  public ModelSpec resolve(String bodyName, String vmodelHeader, String modelHeader,
      String version) {
    try {
      return resolveInView(bodyName, vmodelHeader, modelHeader, version);
    } catch (ModelNotFoundException missed) {
      // Registered through another node a moment ago? Catch up with the registry once.
      for (String id : new String[] {vmodelHeader, modelHeader, bodyName}) {
        registry.catchUp(id);
      }
      registry.vmodel(firstNonEmpty(vmodelHeader, bodyName))
          .ifPresent(v -> registry.catchUp(v.value().getActiveModelId()));
      return resolveInView(bodyName, vmodelHeader, modelHeader, version);
    }
  }

  private ModelSpec resolveInView(String bodyName, String vmodelHeader, String modelHeader,
      String version) {
    if (version != null && !version.isEmpty() && !version.equals(VERSION)) {
      throw new ModelNotFoundException(
          "model '" + firstNonEmpty(vmodelHeader, modelHeader, bodyName) + "' has no version '"
              + version + "' (the only version is " + VERSION + ")");
    }
    if (vmodelHeader != null && !vmodelHeader.isEmpty()) {
      return spec(activeOf(vmodelHeader)
          .orElseThrow(() -> notRegistered(bodyName, vmodelHeader, modelHeader)));
    }
    if (modelHeader != null && !modelHeader.isEmpty()) {
      return spec(registry.model(modelHeader).map(Versioned::value)
          .orElseThrow(() -> notRegistered(bodyName, vmodelHeader, modelHeader)));
    }
    if (bodyName == null || bodyName.isEmpty()) {
      throw new InvalidInputException(
          "no model named: model_name is empty and no mm-model-id/mm-vmodel-id header is set");
    }
    Optional<Versioned<ModelRecord>> direct = registry.model(bodyName);
    if (direct.isPresent()) {
      return spec(direct.get().value());
    }
    return spec(activeOf(bodyName).orElseThrow(
        () -> notRegistered(bodyName, vmodelHeader, modelHeader)));
  }

  private Optional<ModelRecord> activeOf(String vmodelId) {
    Optional<Versioned<VModelRecord>> vmodel = registry.vmodel(vmodelId);
    if (vmodel.isEmpty()) {
      return Optional.empty();
    }
    String active = vmodel.get().value().getActiveModelId();
    return Optional.of(registry.model(active).map(Versioned::value).orElseThrow(
        () -> new ModelNotFoundException("vmodel '" + vmodelId + "' points to model '" + active
            + "', which is not registered")));
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
