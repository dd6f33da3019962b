package io.densemesh.protocol;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The binary part of a request body after its JSON header, read front to back: each binary
 * input takes the next {@code binary_data_size} bytes, in the order the JSON lists the inputs.
 * Every take checks the bytes against the input's shape and datatype (fixed-size types: exactly
 * elements × size; BOOL: bytes 0 or 1; BYTES: length-prefixed elements that fill the size
 * exactly, as many as the shape has), so a client's mistake is named where it happened instead
 * of shifting every later input. The tensors are views of the body: nothing is copied.
 *
 * <p>Not thread-safe: one request's parser reads it.
 */
public final class BinaryTail {

  private final ByteBuffer bytes;
  private final boolean framed;
  private long taken;

  /** The binary part after a JSON header of known length (a view, not copied). */
  public static BinaryTail of(ByteBuffer bytes) {
    return new BinaryTail(bytes, true);
  }

  private BinaryTail(ByteBuffer bytes, boolean framed) {
    this.bytes = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    this.framed = framed;
  }

  /** The tail of a body without the length header: all of it is JSON, no binary data. */
  public static BinaryTail none() {
    return new BinaryTail(ByteBuffer.allocate(0), false);
  }

  /** Bytes not taken yet. */
  public int remaining() {
    return bytes.remaining();
  }

  /**
   * Takes the next input's bytes as a tensor.
   *
   * @param size the input's {@code binary_data_size} (see {@link BinaryTensorData#binaryDataSize})
   * @throws InvalidInputException the bytes are missing or do not match the shape and datatype
   */
  public Tensor take(String name, DataType type, long[] shape, long size) {
    if (size < 0) {
      throw new InvalidInputException(
          "binary_data_size of input '" + name + "' must be >= 0, got " + size);
    }
    long count = Tensor.elementCount(shape);
    if (!framed && size > 0) {
      throw new InvalidInputException("input '" + name + "' has binary_data_size " + size
          + " but the request has no " + BinaryTensorData.HEADER_LENGTH
          + " header, so its whole body is the JSON header and carries no binary data");
    }
    if (size > bytes.remaining()) {
      throw new InvalidInputException("input '" + name + "' has binary_data_size " + size
          + " but only " + bytes.remaining() + " bytes of binary data are left after "
          + (taken == 0 ? "the JSON header" : "the inputs before it"));
    }
    ByteBuffer data = bytes.slice(bytes.position(), (int) size).order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.BYTES) {
      checkBytesElements(name, shape, count, data);
    } else {
      long needed = neededBytes(name, type, shape, count);
      if (needed != size) {
        throw new InvalidInputException("input '" + name + "' has binary_data_size " + size
            + " but its shape " + Arrays.toString(shape) + " of " + type + " needs " + needed
            + " bytes");
      }
      if (type == DataType.BOOL) {
        checkBooleans(name, data);
      }
    }
    bytes.position(bytes.position() + (int) size);
    taken += size;
    return new Tensor(name, type, shape, data);
  }

  /**
   * Checks that every binary byte belonged to an input.
   *
   * @throws InvalidInputException bytes are left over
   */
  public void requireConsumed() {
    if (bytes.hasRemaining()) {
      throw new InvalidInputException(bytes.remaining() + " bytes of binary data after the JSON"
          + " header belong to no input (the inputs' binary_data_size add up to " + taken
          + "); check " + BinaryTensorData.HEADER_LENGTH + " and each binary_data_size");
    }
  }

  private static long neededBytes(String name, DataType type, long[] shape, long count) {
    try {
      return Math.multiplyExact(count, type.elementSize());
    } catch (ArithmeticException e) {
      throw new InvalidInputException(
          "input '" + name + "' shape " + Arrays.toString(shape) + " is too large");
    }
  }

  private static void checkBooleans(String name, ByteBuffer data) {
    for (int i = data.position(); i < data.limit(); i++) {
      byte b = data.get(i);
      if (b != 0 && b != 1) {
        throw new InvalidInputException("input '" + name + "' is BOOL but its element "
            + (i - data.position()) + " is the byte " + (b & 0xFF) + " (true is 1, false 0)");
      }
    }
  }

  /** BYTES: 4-byte little-endian lengths, each followed by that many bytes, filling the size. */
  private static void checkBytesElements(String name, long[] shape, long count,
      ByteBuffer data) {
    int at = data.position();
    int end = data.limit();
    long elements = 0;
    while (at < end) {
      if (end - at < 4) {
        throw new InvalidInputException("input '" + name + "' BYTES element " + elements
            + " is cut off: " + (end - at) + " bytes left where its 4-byte length belongs");
      }
      long length = Integer.toUnsignedLong(data.getInt(at));
      at += 4;
      if (length > end - at) {
        throw new InvalidInputException("input '" + name + "' BYTES element " + elements
            + " declares " + length + " bytes but only " + (end - at)
            + " are left in its binary_data_size");
      }
      at += (int) length;
      elements++;
    }
    if (elements != count) {
      throw new InvalidInputException("input '" + name + "' has " + elements
          + " BYTES elements in its binary data, its shape " + Arrays.toString(shape)
          + " needs " + count);
    }
  }
}
