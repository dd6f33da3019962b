package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Streams a tensor's elements as a V2 JSON {@code data} array (flat, row-major) and parameter
 * values, the way KServe's server writes them: BOOL as booleans, integers as numbers (UINT64
 * unsigned), floats as numbers with NaN and ±Infinity written as {@code null} (strict JSON, as
 * KServe's orjson encoder does; ask for the output as binary data to keep those values), BYTES
 * as UTF-8 strings (an element that is not UTF-8 can only travel as binary data).
 */
public final class JsonTensorWriter {

  private JsonTensorWriter() {}

  /** Writes {@code tensor}'s elements as a JSON array at the generator's position. */
  public static void writeData(JsonGenerator json, Tensor tensor) throws IOException {
    ByteBuffer b = tensor.data();
    long count = tensor.elementCount();
    json.writeStartArray();
    for (long i = 0; i < count; i++) {
      writeElement(json, tensor, b, i);
    }
    json.writeEndArray();
  }

  /**
   * Writes a one-element tensor as that element alone and any other as its flat {@code data}
   * array (how the generate extension writes outputs).
   */
  public static void writeValue(JsonGenerator json, Tensor tensor) throws IOException {
    if (tensor.elementCount() == 1) {
      writeElement(json, tensor, tensor.data(), 0);
    } else {
      writeData(json, tensor);
    }
  }

  /** Writes the element at {@code b}'s position (element {@code i}), advancing past it. */
  private static void writeElement(JsonGenerator json, Tensor tensor, ByteBuffer b, long i)
      throws IOException {
    switch (tensor.dataType()) {
      case BOOL -> json.writeBoolean(b.get() != 0);
      case INT8 -> json.writeNumber(b.get());
      case UINT8 -> json.writeNumber(Byte.toUnsignedInt(b.get()));
      case INT16 -> json.writeNumber(b.getShort());
      case UINT16 -> json.writeNumber(Short.toUnsignedInt(b.getShort()));
      case INT32 -> json.writeNumber(b.getInt());
      case UINT32 -> json.writeNumber(Integer.toUnsignedLong(b.getInt()));
      case INT64 -> json.writeNumber(b.getLong());
      case UINT64 -> writeUnsigned(json, b.getLong());
      case FP16 -> writeFloat(json, HalfFloat.toFloat(b.getShort()));
      case BF16 -> writeFloat(json, Float.intBitsToFloat(b.getShort() << 16));
      case FP32 -> writeFloat(json, b.getFloat());
      case FP64 -> writeDouble(json, b.getDouble());
      case BYTES -> json.writeString(utf8(tensor.name(), i, b));
    }
  }

  /**
   * Writes parameters as a JSON object (a field name must already be written): each value as
   * given, but a number that is NaN or infinite as {@code null}, as every other number here.
   */
  public static void writeParameters(JsonGenerator json, Map<String, JsonNode> parameters)
      throws IOException {
    json.writeStartObject();
    for (Map.Entry<String, JsonNode> e : parameters.entrySet()) {
      json.writeFieldName(e.getKey());
      JsonNode v = e.getValue();
      if (v.isFloatingPointNumber() && !Double.isFinite(v.asDouble())) {
        json.writeNull();
      } else {
        json.writeTree(v);
      }
    }
    json.writeEndObject();
  }

  private static void writeFloat(JsonGenerator json, float v) throws IOException {
    if (Float.isFinite(v)) {
      json.writeNumber(v);
    } else {
      json.writeNull();
    }
  }

  private static void writeDouble(JsonGenerator json, double v) throws IOException {
    if (Double.isFinite(v)) {
      json.writeNumber(v);
    } else {
      json.writeNull();
    }
  }

  private static void writeUnsigned(JsonGenerator json, long v) throws IOException {
    if (v >= 0) {
      json.writeNumber(v);
    } else {
      json.writeNumber(new BigInteger(Long.toUnsignedString(v)));
    }
  }

  private static String utf8(String tensor, long index, ByteBuffer b) {
    int length = b.getInt();
    ByteBuffer element = b.slice(b.position(), length);
    b.position(b.position() + length);
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer chars = decoder.decode(element);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("output '" + tensor + "' element " + index
          + " is not UTF-8 text, which JSON cannot carry; ask for the output as binary data"
          + " (its binary_data parameter, or the request's binary_data_output)");
    }
  }
}
