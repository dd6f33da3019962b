package io.densemesh.runtime;

import java.util.Objects;

/**
 * What a runtime needs to load a model: the registration's ModelInfo plus the id.
 *
 * @param modelId registered id
 * @param type model type, e.g. {@code onnx}
 * @param path location as registered (plain path or URI)
 * @param key optional storage or runtime key, may be empty
 */
public record ModelSpec(String modelId, String type, String path, String key) {

  public ModelSpec {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(type, "type");
    path = path == null ? "" : path;
    key = key == null ? "" : key;
  }
}
