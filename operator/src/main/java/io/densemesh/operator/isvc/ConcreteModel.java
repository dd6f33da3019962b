package io.densemesh.operator.isvc;

import io.densemesh.api.mmesh.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import io.densemesh.operator.resource.InvalidResourceException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.stream.Collectors;

/**
 * The concrete mesh model an InferenceService's predictor becomes: id
 * {@code <isvc>__isvc-<hash>} (modelmesh-serving's convention; the hash covers every field of
 * {@link PredictorSpec}, so any change to the model's definition makes a new model) and the
 * {@link ModelInfo} it is registered with.
 *
 * <p>ModelInfo, as modelmesh-serving's controller writes it: {@code type} is the format in lower
 * case (what node runtimes match on); {@code path} is the storageUri, else {@code storage.path}
 * (a path inside the storage the key names); {@code key} is the storage key, or, when storage
 * parameters are given, the JSON form {@code {"storage_key":..,"storage_params":{..}}}.
 *
 * @param id concrete model id
 * @param info registration info
 */
public record ConcreteModel(String id, ModelInfo info) {

  static final int HASH_HEX_DIGITS = 10;

  /** The annotation carrying a model's dynamic batching (a JSON object, see docs/api.md). */
  public static final String BATCHING_ANNOTATION = "serving.densemesh.io/batching";

  public static ConcreteModel of(String isvcName, PredictorSpec p) {
    return of(isvcName, p, Optional.empty());
  }

  /**
   * @param batching the {@value #BATCHING_ANNOTATION} annotation's JSON object, if any; it goes
   *     into the key (so it forces the JSON form) and into the hash (a change rolls the model)
   */
  public static ConcreteModel of(String isvcName, PredictorSpec p, Optional<String> batching) {
    return new ConcreteModel(isvcName + "__isvc-" + hash(p, batching), info(p, batching));
  }

  /**
   * The annotation's value checked to be one JSON object, compacted; empty when absent.
   *
   * @throws InvalidResourceException when it is not a JSON object
   */
  public static Optional<String> batching(java.util.Map<String, String> annotations) {
    String raw = annotations == null ? null : annotations.get(BATCHING_ANNOTATION);
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    Object parsed;
    try {
      parsed = SERIALIZATION.unmarshal(raw, Object.class);
    } catch (RuntimeException e) {
      parsed = null;
    }
    if (!(parsed instanceof java.util.Map)) {
      throw new InvalidResourceException(PredictorSpec.REASON, "annotation "
          + BATCHING_ANNOTATION + " must be a JSON object such as {\"max_batch_size\": 16, "
          + "\"max_queue_delay_us\": 500}");
    }
    return Optional.of(SERIALIZATION.asJson(parsed));
  }

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static ModelInfo info(PredictorSpec p) {
    return info(p, Optional.empty());
  }

  static ModelInfo info(PredictorSpec p, Optional<String> batching) {
    String path = p.storageUri().orElseGet(() -> p.storagePath().orElseThrow());
    String key = p.storageKey().orElse("");
    if (!p.storageParameters().isEmpty() || batching.isPresent()) {
      key = "{\"storage_key\":" + quote(key) + ",\"storage_params\":{"
          + p.storageParameters().entrySet().stream()
              .map(e -> quote(e.getKey()) + ":" + quote(e.getValue()))
              .collect(Collectors.joining(",")) + "}"
          + batching.map(b -> ",\"batching\":" + b).orElse("") + "}";
    }
    return ModelInfo.newBuilder().setType(p.format().toLowerCase(Locale.ROOT)).setPath(path)
        .setKey(key).build();
  }

  static String hash(PredictorSpec p) {
    return hash(p, Optional.empty());
  }

  static String hash(PredictorSpec p, Optional<String> batching) {
    StringBuilder canonical = new StringBuilder()
        .append("format=").append(p.format().toLowerCase(Locale.ROOT))
        .append("\nversion=").append(p.formatVersion().orElse(""))
        .append("\nruntime=").append(p.runtime().orElse(""))
        .append("\nuri=").append(p.storageUri().orElse(""))
        .append("\nkey=").append(p.storageKey().orElse(""))
        .append("\npath=").append(p.storagePath().orElse(""));
    for (Map.Entry<String, String> e : p.storageParameters().entrySet()) {
      canonical.append("\nparam.").append(e.getKey()).append('=').append(e.getValue());
    }
    batching.ifPresent(b -> canonical.append("\nbatching=").append(b));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_HEX_DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
