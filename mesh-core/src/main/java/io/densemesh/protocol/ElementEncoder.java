package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the scalar elements of one JSON input tensor, as the parser meets them, into the raw
 * little-endian form the runtimes take (BYTES: 4-byte length + UTF-8 per element). The buffer is
 * direct and grows by doubling, never past what the declared shape needs, so a small body that
 * declares a huge shape allocates nothing up front: memory follows the elements actually sent.
 */
final class ElementEncoder {

  private static final int FIRST_CAPACITY = 4096;
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(
      BigInteger.ONE);

  private final String input;
  private final DataType type;
  private final long expectedBytes;
  private ByteBuffer out;
  private long count;

  /**
   * @param input the input's name, for error messages
   * @param expected elements the shape declares, or -1 when the shape is not known yet
   */
  ElementEncoder(String input, DataType type, long expected) {
    this.input = input;
    this.type = type;
    this.expectedBytes = expected >= 0 && type.fixedSize() ? expected * type.elementSize() : -1;
    long first = expectedBytes >= 0 ? Math.min(expectedBytes, FIRST_CAPACITY) : FIRST_CAPACITY;
    this.out = ByteBuffer.allocateDirect((int) first).order(ByteOrder.LITTLE_ENDIAN);
  }

  long count() {
    return count;
  }

  /** Adds the parser's current token, a scalar, as the next element. */
  void add(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    switch (type) {
      case BOOL -> {
        if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
          throw refuse("BOOL elements must be true/false", token);
        }
        room(1).put((byte) (token == JsonToken.VALUE_TRUE ? 1 : 0));
      }
      case BYTES -> {
        if (token != JsonToken.VALUE_STRING) {
          throw refuse("BYTES elements must be strings", token);
        }
        byte[] bytes = parser.getText().getBytes(StandardCharsets.UTF_8);
        room(4L + bytes.length).putInt(bytes.length).put(bytes);
      }
      case FP16, BF16, FP32, FP64 -> {
        if (!token.isNumeric()) {
          throw refuse(type + " elements must be numbers", token);
        }
        putFloat(parser.getDoubleValue());
      }
      default -> {
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
          throw new InvalidInputException("input '" + input + "' " + type
              + " elements must be integers");
        }
        if (token != JsonToken.VALUE_NUMBER_INT) {
          throw refuse(type + " elements must be numbers", token);
        }
        putInteger(parser);
      }
    }
    count++;
  }

  /** The encoded elements, positioned at 0. */
  ByteBuffer finish() {
    return out.flip();
  }

  private InvalidInputException refuse(String rule, JsonToken token) {
    return new InvalidInputException("input '" + input + "' " + rule + ", got " + describe(token));
  }

  static String describe(JsonToken token) {
    if (token == null) {
      return "the end of the body";
    }
    return switch (token) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      default -> token.asString() == null ? token.name() : token.asString();
    };
  }

  private void putFloat(double v) {
    switch (type) {
      case FP64 -> room(8).putDouble(v);
      case FP32 -> room(4).putFloat((float) v);
      case FP16 -> room(2).putShort(HalfFloat.fromFloat((float) v));
      case BF16 -> room(2).putShort((short) (Float.floatToIntBits((float) v) >>> 16));
      default -> throw new IllegalStateException(type.name());
    }
  }

  private void putInteger(JsonParser parser) throws IOException {
    long bits;
    if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      BigInteger big = parser.getBigIntegerValue();
      if (type != DataType.UINT64 || big.signum() < 0 || big.compareTo(UINT64_MAX) > 0) {
        throw outOfRange(big.toString());
      }
      bits = big.longValue();
    } else {
      bits = parser.getLongValue();
      if (!fits(bits)) {
        throw outOfRange(Long.toString(bits));
      }
    }
    int size = type.elementSize();
    ByteBuffer b = room(size);
    switch (size) {
      case 1 -> b.put((byte) bits);
      case 2 -> b.putShort((short) bits);
      case 4 -> b.putInt((int) bits);
      default -> b.putLong(bits);
    }
  }

  private boolean fits(long v) {
    return switch (type) {
      case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
      case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
      case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
      case INT64 -> true;
      case UINT8 -> v >= 0 && v <= 0xFF;
      case UINT16 -> v >= 0 && v <= 0xFFFF;
      case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
      case UINT64 -> v >= 0;
      default -> throw new IllegalStateException(type.name());
    };
  }

  private InvalidInputException outOfRange(String value) {
    return new InvalidInputException("input '" + input + "' value " + value
        + " is out of range for " + type);
  }

  /**
   * The buffer, grown to take {@code bytes} more: doubling, but never past the declared size
   * (the caller refuses an element beyond it before asking for room).
   */
  private ByteBuffer room(long bytes) {
    if (out.remaining() >= bytes) {
      return out;
    }
    long needed = out.position() + bytes;
    long capacity = Math.max(needed, 2L * out.capacity());
    if (expectedBytes >= needed) {
      capacity = Math.min(capacity, expectedBytes);
    }
    if (capacity > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("input '" + input + "' data is larger than 2 GiB");
    }
    ByteBuffer grown = ByteBuffer.allocateDirect((int) capacity).order(ByteOrder.LITTLE_ENDIAN);
    grown.put(out.flip());
    out = grown;
    return out;
  }
}
