package io.densemesh.operator.isvc;

import io.densemesh.operator.resource.Fields;
import io.densemesh.operator.resource.InvalidResourceException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of an InferenceService's predictor that define the model, in either of KServe's
 * shapes: {@code spec.predictor.model} ({@code modelFormat}, {@code runtime}, {@code storageUri}
 * or {@code storage}) or a framework field such as {@code spec.predictor.sklearn} (the format is
 * the framework's name). The storage secret key may also come from the
 * {@code serving.kserve.io/secretKey} annotation (modelmesh-serving's older convention).
 *
 * @param format model format name
 * @param formatVersion model format version, if given
 * @param runtime explicitly named runtime, if any
 * @param storageUri {@code storageUri}, if given
 * @param storageKey storage secret key, if given
 * @param storagePath {@code storage.path}, if given
 * @param storageParameters {@code storage.parameters} (sorted)
 */
public record PredictorSpec(
    String format,
    Optional<String> formatVersion,
    Optional<String> runtime,
    Optional<String> storageUri,
    Optional<String> storageKey,
    Optional<String> storagePath,
    Map<String, String> storageParameters) {

  public static final String REASON = "InvalidPredictorSpec";
  public static final String SECRET_KEY_ANNOTATION = "serving.kserve.io/secretKey";

  /** Framework-specific predictor fields KServe accepts in ModelMesh mode. */
  static final List<String> FRAMEWORKS = List.of("sklearn", "xgboost", "onnx", "tensorflow",
      "pytorch", "lightgbm", "paddle", "pmml", "huggingface", "triton");

  /** @throws InvalidResourceException with reason {@value #REASON} */
  public static PredictorSpec from(GenericKubernetesResource isvc) {
    Fields predictor = Fields.of(isvc.getAdditionalProperties().get("spec"), "spec", REASON)
        .object("predictor");
    if (predictor.isEmpty()) {
      throw new InvalidResourceException(REASON, "spec.predictor is required");
    }
    Fields model;
    String format;
    Optional<String> version;
    if (predictor.has("model")) {
      model = predictor.object("model");
      Fields modelFormat = model.object("modelFormat");
      format = modelFormat.string("name").filter(s -> !s.isBlank()).orElseThrow(
          () -> model.invalid("spec.predictor.model.modelFormat.name is required"));
      version = modelFormat.string("version").filter(s -> !s.isBlank());
    } else {
      String framework = FRAMEWORKS.stream().filter(predictor::has).findFirst().orElseThrow(
          () -> predictor.invalid("spec.predictor needs 'model' or one of " + FRAMEWORKS));
      model = predictor.object(framework);
      format = framework;
      version = Optional.empty();
    }
    Fields storage = model.object("storage");
    Optional<String> uri = model.string("storageUri").filter(s -> !s.isBlank());
    Optional<String> path = storage.string("path").filter(s -> !s.isBlank());
    if (uri.isEmpty() && path.isEmpty()) {
      throw model.invalid(model.path() + " needs storageUri or storage.path");
    }
    if (uri.isPresent() && path.isPresent()) {
      throw model.invalid(model.path() + " sets both storageUri and storage.path; use one");
    }
    Optional<String> key = storage.string("key").filter(s -> !s.isBlank());
    if (key.isEmpty() && isvc.getMetadata().getAnnotations() != null) {
      key = Optional.ofNullable(isvc.getMetadata().getAnnotations().get(SECRET_KEY_ANNOTATION))
          .filter(s -> !s.isBlank());
    }
    Optional<String> runtime = model.string("runtime").filter(s -> !s.isBlank());
    return new PredictorSpec(format, version, runtime, uri, key, path,
        new TreeMap<>(storage.strings("parameters")));
  }
}
