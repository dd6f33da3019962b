package io.densemesh.batching;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Concatenating requests along the first dimension and splitting a batch's outputs back. Works on
 * the raw V2 encoding for every data type: fixed-size elements are rows of bytes; BYTES elements
 * are length-prefixed, so a row is found by walking its elements.
 */
final class TensorBatch {

  private TensorBatch() {}

  /**
   * What requests must share to run together: each input's name, type and every dimension but
   * the first, and the outputs asked for.
   */
  record Signature(List<String> inputs, Set<String> outputs) {}

  /** A batch's outputs cannot be split back by rows (the model does not batch this way). */
  static final class NotSplittable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSplittable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The request's signature, or empty when it cannot be batched: no inputs, a scalar input, or
   * inputs that disagree on the first dimension (the rows).
   */
  static Optional<Signature> signature(List<Tensor> inputs, Set<String> outputs) {
    if (inputs.isEmpty()) {
      return Optional.empty();
    }
    long rows = -1;
    List<String> parts = new ArrayList<>(inputs.size());
    for (Tensor t : sorted(inputs)) {
      if (t.rank() == 0 || (rows >= 0 && t.dim(0) != rows)) {
        return Optional.empty();
      }
      rows = t.dim(0);
      long[] shape = t.shape();
      parts.add(t.name() + ":" + t.dataType() + Arrays.toString(
          Arrays.copyOfRange(shape, 1, shape.length)));
    }
    return Optional.of(new Signature(List.copyOf(parts), Set.copyOf(new TreeSet<>(outputs))));
  }

  /** The rows (first dimension) of a batchable request. */
  static int rows(List<Tensor> inputs) {
    return Math.toIntExact(inputs.get(0).dim(0));
  }

  /** One input list holding every request's rows in order (inputs matched by name). */
  static List<Tensor> concat(List<List<Tensor>> requests) {
    List<Tensor> first = sorted(requests.get(0));
    List<List<Tensor>> all = requests.stream().map(TensorBatch::sorted).toList();
    List<Tensor> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      Tensor model = first.get(i);
      long rows = 0;
      int bytes = 0;
      for (List<Tensor> r : all) {
        rows += r.get(i).dim(0);
        bytes = Math.addExact(bytes, r.get(i).data().remaining());
      }
      ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
      for (List<Tensor> r : all) {
        data.put(r.get(i).data());
      }
      data.flip();
      long[] shape = model.shape();
      shape[0] = rows;
      out.add(new Tensor(model.name(), model.dataType(), shape, data));
    }
    return out;
  }

  /**
   * A batch's outputs split into each request's share, by its rows.
   *
   * @throws NotSplittable when an output's first dimension is not the batch's total rows
   */
  static List<List<Tensor>> split(List<Tensor> outputs, int[] rows) {
    long total = Arrays.stream(rows).asLongStream().sum();
    List<List<Tensor>> parts = new ArrayList<>(rows.length);
    for (int r = 0; r < rows.length; r++) {
      parts.add(new ArrayList<>(outputs.size()));
    }
    for (Tensor t : outputs) {
      if (t.rank() == 0 || t.dim(0) != total) {
        throw new NotSplittable("output '" + t.name() + "' has shape "
            + Arrays.toString(t.shape()) + ", not " + total + " rows");
      }
      long[] shape = t.shape();
      long perRow = Tensor.elementCount(Arrays.copyOfRange(shape, 1, shape.length));
      ByteBuffer data = t.data();
      for (int r = 0; r < rows.length; r++) {
        int start = data.position();
        int end = end(data, t.dataType(), perRow * rows[r]);
        ByteBuffer slice = data.duplicate().position(start).limit(end).slice()
            .order(ByteOrder.LITTLE_ENDIAN);
        data.position(end);
        long[] s = shape.clone();
        s[0] = rows[r];
        parts.get(r).add(new Tensor(t.name(), t.dataType(), s, slice));
      }
    }
    return parts;
  }

  /** Where {@code elements} elements starting at the buffer's position end. */
  private static int end(ByteBuffer data, DataType type, long elements) {
    if (type.fixedSize()) {
      return Math.toIntExact(data.position() + elements * type.elementSize());
    }
    int at = data.position();
    for (long e = 0; e < elements; e++) {
      int length = data.getInt(at);
      at += 4 + length;
    }
    return at;
  }

  private static List<Tensor> sorted(List<Tensor> inputs) {
    if (inputs.size() == 1) {
      return inputs;
    }
    List<Tensor> copy = new ArrayList<>(inputs);
    copy.sort(Comparator.comparing(Tensor::name));
    return copy;
  }

  /** For tests: inputs keyed by name. */
  static Map<String, Tensor> byName(List<Tensor> tensors) {
    Map<String, Tensor> m = new TreeMap<>();
    tensors.forEach(t -> m.put(t.name(), t));
    return m;
  }
}
