package io.densemesh.runtime;

import io.densemesh.runtime.error.InvalidInputException;
import java.util.Locale;

/**
 * The 14 tensor data types of the KServe V2 protocol, with their element size in the raw
 * (little-endian) wire encoding. BYTES has no fixed size: each element is a 4-byte little-endian
 * length followed by that many bytes.
 */
public enum DataType {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  FP32(4),
  FP64(8),
  BYTES(-1),
  BF16(2);

  private final int elementSize;

  DataType(int elementSize) {
    this.elementSize = elementSize;
  }

  /** Bytes per element in the raw encoding; -1 for BYTES. */
  public int elementSize() {
    return elementSize;
  }

  public boolean fixedSize() {
    return elementSize > 0;
  }

  /** The V2 wire name, e.g. {@code FP32}. */
  public String wireName() {
    return name();
  }

  /**
   * Parses a V2 datatype string. The protocol spells them in upper case; lower case is accepted
   * as a courtesy.
   *
   * @throws InvalidInputException naming the value when it is not one of the 14 types
   */
  public static DataType fromWire(String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidInputException("datatype is missing");
    }
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("unknown datatype '" + name + "'");
    }
  }
}
