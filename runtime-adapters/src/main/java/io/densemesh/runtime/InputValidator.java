package io.densemesh.runtime;

import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a request's tensors against the model's metadata before anything runs, so a runtime
 * never sees a tensor that could make it misbehave: every input present once and known, datatype
 * and rank equal, fixed dimensions equal, no negative or absurd dimension, and the data length
 * exactly what the shape needs (for BYTES, the length prefixes walk the buffer exactly).
 * Requested outputs must exist. A BYTES vector input also accepts an {@code [n, 1]} column.
 */
public final class InputValidator {

  private final long maxElements;

  /** @param maxElements the largest element count one tensor may describe */
  public InputValidator(long maxElements) {
    if (maxElements <= 0) {
      throw new IllegalArgumentException("maxElements must be > 0");
    }
    this.maxElements = maxElements;
  }

  /** @throws InvalidInputException naming the first problem found */
  public void validate(ModelMetadata metadata, List<Tensor> inputs, Set<String> requestedOutputs) {
    Set<String> seen = new HashSet<>();
    for (Tensor input : inputs) {
      if (!seen.add(input.name())) {
        throw new InvalidInputException("input '" + input.name() + "' is given more than once");
      }
      TensorSpec spec =
          metadata
              .input(input.name())
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "unexpected input '" + input.name() + "'; the model's inputs are "
                              + names(metadata.inputs())));
      validateTensor(spec, input);
    }
    for (TensorSpec spec : metadata.inputs()) {
      if (!seen.contains(spec.name())) {
        throw new InvalidInputException("missing input '" + spec.name() + "'");
      }
    }
    for (String output : requestedOutputs) {
      if (metadata.output(output).isEmpty()) {
        throw new InvalidInputException(
            "unknown requested output '" + output + "'; the model's outputs are "
                + names(metadata.outputs()));
      }
    }
  }

  private void validateTensor(TensorSpec spec, Tensor input) {
    String name = input.name();
    if (input.dataType() != spec.dataType()) {
      throw new InvalidInputException(
          "input '" + name + "' has datatype " + input.dataType() + ", the model expects "
              + spec.dataType());
    }
    long[] shape = input.shape();
    if (stringColumn(spec, shape)) {
      shape = new long[] {shape[0]};
    }
    if (shape.length != spec.rank()) {
      throw new InvalidInputException(
          "input '" + name + "' has shape " + Arrays.toString(shape) + " of rank " + shape.length
              + ", the model expects rank " + spec.rank() + " " + spec.shape());
    }
    for (int i = 0; i < shape.length; i++) {
      long expected = spec.shape().get(i);
      if (shape[i] < 0) {
        throw new InvalidInputException(
            "input '" + name + "' has negative dimension " + shape[i] + " at index " + i);
      }
      if (expected >= 0 && shape[i] != expected) {
        throw new InvalidInputException(
            "input '" + name + "' has dimension " + shape[i] + " at index " + i
                + ", the model expects " + expected + " " + spec.shape());
      }
    }
    long count = Tensor.elementCount(shape);
    if (count > maxElements) {
      throw new InvalidInputException(
          "input '" + name + "' shape " + Arrays.toString(shape) + " describes " + count
              + " elements, more than the limit of " + maxElements);
    }
    ByteBuffer data = input.data();
    if (input.dataType().fixedSize()) {
      long expectedBytes = count * input.dataType().elementSize();
      if (data.remaining() != expectedBytes) {
        throw new InvalidInputException(
            "input '" + name + "' has " + data.remaining() + " bytes of data, shape "
                + Arrays.toString(shape) + " of " + input.dataType() + " needs " + expectedBytes);
      }
    } else {
      long elements = countByteElements(name, data);
      if (elements != count) {
        throw new InvalidInputException(
            "input '" + name + "' holds " + elements + " BYTES elements, shape "
                + Arrays.toString(shape) + " needs " + count);
      }
    }
  }

  /**
   * A BYTES vector input {@code [-1]} also takes a column {@code [n, 1]}: Triton-style clients
   * send string batches that way, and both mean n strings.
   */
  private static boolean stringColumn(TensorSpec spec, long[] shape) {
    return spec.dataType() == DataType.BYTES && spec.rank() == 1 && spec.shape().get(0) < 0
        && shape.length == 2 && shape[1] == 1;
  }

  /** Walks 4-byte little-endian length prefixes; the buffer must end exactly at an element end. */
  static long countByteElements(String name, ByteBuffer data) {
    long elements = 0;
    int pos = data.position();
    int limit = data.limit();
    while (pos < limit) {
      if (limit - pos < 4) {
        throw new InvalidInputException(
            "input '" + name + "' BYTES data ends inside a length prefix");
      }
      long len = Integer.toUnsignedLong(data.getInt(pos));
      pos += 4;
      if (len > limit - pos) {
        throw new InvalidInputException(
            "input '" + name + "' BYTES element " + elements + " declares " + len
                + " bytes but only " + (limit - pos) + " remain");
      }
      pos += (int) len;
      elements++;
    }
    return elements;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
