package io.densemesh.runtime.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The storage part of a registration's {@code ModelInfo.key}. Either a plain storage key name, or
 * the JSON modelmesh-serving's controller writes: {@code {"storage_key": "...", "storage_params":
 * {"bucket": "...", "type": "..."}, "bucket": "..."}} (the top-level {@code bucket} is the
 * deprecated form of {@code storage_params.bucket}). Other JSON fields are ignored.
 *
 * @param storageKey the storage-config entry to use; empty when the key names none
 * @param params per-model overrides of the entry's fields
 */
public record ModelKey(Optional<String> storageKey, Map<String, String> params) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelKey {
    params = Map.copyOf(params);
  }

  /** @throws ModelLoadException when the key looks like JSON but is not valid */
  public static ModelKey parse(String key) {
    String k = key == null ? "" : key.trim();
    if (k.isEmpty()) {
      return new ModelKey(Optional.empty(), Map.of());
    }
    if (!k.startsWith("{")) {
      return new ModelKey(Optional.of(k), Map.of());
    }
    JsonNode root;
    try {
      root = JSON.readTree(k);
    } catch (IOException e) {
      throw new ModelLoadException("model key is not valid JSON: " + e.getMessage());
    }
    Map<String, String> params = new LinkedHashMap<>();
    JsonNode storageParams = root.path("storage_params");
    for (Iterator<Map.Entry<String, JsonNode>> it = storageParams.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      params.put(p.getKey(), p.getValue().asText());
    }
    String bucket = root.path("bucket").asText("");
    if (!bucket.isEmpty()) {
      params.putIfAbsent("bucket", bucket);
    }
    String storageKey = root.path("storage_key").asText("");
    return new ModelKey(storageKey.isEmpty() ? Optional.empty() : Optional.of(storageKey),
        params);
  }

  /** Whether the key says anything about storage. */
  public boolean isEmpty() {
    return storageKey.isEmpty() && params.isEmpty();
  }
}
