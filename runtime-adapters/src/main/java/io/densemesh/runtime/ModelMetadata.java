package io.densemesh.runtime;

import java.util.List;
import java.util.Optional;

/**
 * What a loaded model accepts and produces, taken from the model itself.
 *
 * @param platform V2 platform string, e.g. {@code onnxruntime_onnx}
 */
public record ModelMetadata(String platform, List<TensorSpec> inputs, List<TensorSpec> outputs) {

  public ModelMetadata {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
