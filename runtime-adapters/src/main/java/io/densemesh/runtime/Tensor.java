package io.densemesh.runtime;

import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor in the V2 raw encoding: row-major, little-endian elements in {@link #data()}; BYTES
 * elements are each a 4-byte little-endian length followed by the bytes.
 *
 * <p>The buffer is not copied: whoever creates a tensor hands the buffer over and must not change
 * it afterwards. Runtimes read it as is (a direct buffer reaches ONNX Runtime without a copy).
 */
public final class Tensor {

  private final String name;
  private final DataType dataType;
  private final long[] shape;
  private final ByteBuffer data;

  public Tensor(String name, DataType dataType, long[] shape, ByteBuffer data) {
    this.name = Objects.requireNonNull(name, "name");
    this.dataType = Objects.requireNonNull(dataType, "dataType");
    this.shape = shape.clone();
    this.data = Objects.requireNonNull(data, "data").slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  public String name() {
    return name;
  }

  public DataType dataType() {
    return dataType;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  /** A read view of the data positioned at 0, little-endian. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Number of elements the shape describes. */
  public long elementCount() {
    return elementCount(shape);
  }

  /**
   * Element count of a shape, rejecting negative dimensions and overflow.
   *
   * @throws InvalidInputException when a dimension is negative or the product overflows
   */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new InvalidInputException("negative dimension in shape " + Arrays.toString(shape));
      }
      try {
        count = Math.multiplyExact(count, d);
      } catch (ArithmeticException e) {
        throw new InvalidInputException("shape " + Arrays.toString(shape) + " is too large");
      }
    }
    return count;
  }

  @Override
  public String toString() {
    return name + ":" + dataType + Arrays.toString(shape);
  }
}
