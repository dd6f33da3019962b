package io.densemesh.protocol;

import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a request's input tensors into consecutive runs of rows along their first dimension (the
 * batch), so a long batch can be served and answered piece by piece: every input must have at
 * least one dimension and all must agree on the first one. Each piece is a view of the inputs'
 * buffers (no copy); BYTES rows are found by walking the elements' length prefixes once, from
 * where the previous piece ended, and a prefix that runs past the data is an
 * {@link InvalidInputException}. Not thread-safe: one reader takes the pieces in order.
 */
public final class TensorRows {

  private final List<Tensor> inputs;
  private final long rows;
  private final int[] positions;
  private long next;

  /**
   * @throws InvalidInputException when there are no inputs, an input is a scalar, or the inputs
   *     disagree on their first dimension
   */
  public TensorRows(List<Tensor> inputs) {
    if (inputs.isEmpty()) {
      throw new InvalidInputException("the request has no inputs to split into rows");
    }
    this.inputs = List.copyOf(inputs);
    long first = -1;
    for (Tensor t : inputs) {
      if (t.rank() == 0) {
        throw new InvalidInputException("input '" + t.name() + "' has no batch dimension to split"
            + " into rows (its shape is [])");
      }
      if (first >= 0 && t.dim(0) != first) {
        throw new InvalidInputException("inputs disagree on their first dimension ('"
            + inputs.get(0).name() + "' has " + first + " rows, '" + t.name() + "' has "
            + t.dim(0) + "); they cannot be split into rows");
      }
      first = t.dim(0);
    }
    this.rows = first;
    this.positions = new int[inputs.size()];
  }

  /** Rows of every input (its first dimension). */
  public long rows() {
    return rows;
  }

  /** Whether rows are left to take. */
  public boolean hasNext() {
    return next < rows;
  }

  /** Index of the next row to be taken. */
  public long offset() {
    return next;
  }

  /**
   * The next {@code count} rows (fewer at the end) of every input, in input order, each with
   * its first dimension set to the rows taken.
   */
  public List<Tensor> next(long count) {
    if (count <= 0) {
      throw new IllegalArgumentException("count must be > 0");
    }
    if (!hasNext()) {
      throw new IllegalStateException("no rows left");
    }
    long take = Math.min(count, rows - next);
    List<Tensor> piece = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      long[] shape = t.shape();
      shape[0] = 1;
      long perRow = Tensor.elementCount(shape);
      ByteBuffer data = t.data();
      int start = positions[i];
      int end = t.dataType().fixedSize()
          ? Math.toIntExact(start + take * perRow * t.dataType().elementSize())
          : skipElements(t, data, start, take * perRow);
      if (end > data.limit()) {
        throw new InvalidInputException("input '" + t.name() + "' has less data than its shape"
            + " needs");
      }
      positions[i] = end;
      shape[0] = take;
      piece.add(new Tensor(t.name(), t.dataType(), shape,
          data.slice(start, end - start).order(ByteOrder.LITTLE_ENDIAN)));
    }
    next += take;
    return piece;
  }

  /** The position after {@code elements} BYTES elements from {@code start}. */
  private static int skipElements(Tensor t, ByteBuffer data, int start, long elements) {
    long at = start;
    for (long e = 0; e < elements; e++) {
      if (at + 4 > data.limit()) {
        throw new InvalidInputException("input '" + t.name() + "' has fewer BYTES elements than"
            + " its shape needs");
      }
      long length = Integer.toUnsignedLong(data.getInt((int) at));
      at += 4 + length;
      if (at > data.limit()) {
        throw new InvalidInputException("input '" + t.name() + "' BYTES element runs past the"
            + " end of its data");
      }
    }
    return (int) at;
  }
}
