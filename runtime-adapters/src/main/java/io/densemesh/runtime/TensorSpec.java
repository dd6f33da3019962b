package io.densemesh.runtime;

import java.util.List;
import java.util.Objects;

/**
 * Metadata of one model input or output as the model itself declares it.
 *
 * @param name tensor name
 * @param dataType element type
 * @param shape dimensions; -1 marks a dynamic dimension
 */
public record TensorSpec(String name, DataType dataType, List<Long> shape) {

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataType, "dataType");
    shape = List.copyOf(shape);
  }

  public int rank() {
    return shape.size();
  }
}
