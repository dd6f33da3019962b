package io.densemesh.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The KServe V2 REST (JSON) tensor form: {@code {"name", "shape", "datatype", "data"}} where data
 * is a flat or nested array in row-major order; BYTES elements are strings; BOOL elements are
 * {@code true}/{@code false}. FP16/BF16 are carried as numbers and rounded to the type.
 */
public final class JsonTensorCodec {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private JsonTensorCodec() {}

  public static List<Tensor> inputs(JsonNode request) {
    JsonNode inputs = request.get("inputs");
    if (inputs == null || !inputs.isArray()) {
      throw new InvalidInputException("request body needs an \"inputs\" array");
    }
    List<Tensor> tensors = new ArrayList<>(inputs.size());
    for (JsonNode in : inputs) {
      String name = text(in, "name");
      DataType type = DataType.fromWire(text(in, "datatype"));
      JsonNode shapeNode = in.get("shape");
      if (shapeNode == null || !shapeNode.isArray()) {
        throw new InvalidInputException("input '" + name + "' needs a \"shape\" array");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = shapeNode.get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber()) {
          throw new InvalidInputException("input '" + name + "' shape holds a non-integer");
        }
        shape[i] = d.asLong();
      }
      long count = Tensor.elementCount(shape);
      JsonNode data = in.get("data");
      if (data == null) {
        throw new InvalidInputException("input '" + name + "' has no \"data\"");
      }
      List<JsonNode> flat = new ArrayList<>();
      flatten(data, flat);
      if (flat.size() != count) {
        throw new InvalidInputException(
            "input '" + name + "' has " + flat.size() + " elements in data, its shape needs "
                + count);
      }
      tensors.add(new Tensor(name, type, shape, encode(name, type, flat)));
    }
    return tensors;
  }

  /** Requested output names (empty: all). */
  public static Set<String> requestedOutputs(JsonNode request) {
    Set<String> names = new LinkedHashSet<>();
    JsonNode outputs = request.get("outputs");
    if (outputs == null || outputs.isNull()) {
      return names;
    }
    if (!outputs.isArray()) {
      throw new InvalidInputException("\"outputs\" must be an array");
    }
    for (JsonNode out : outputs) {
      String name = text(out, "name");
      if (!names.add(name)) {
        throw new InvalidInputException("output '" + name + "' is requested twice");
      }
    }
    return names;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new InvalidInputException("tensor needs a non-empty string \"" + field + "\"");
    }
    return v.asText();
  }

  private static void flatten(JsonNode node, List<JsonNode> out) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        flatten(child, out);
      }
    } else {
      out.add(node);
    }
  }

  private static ByteBuffer encode(String name, DataType type, List<JsonNode> values) {
    if (type == DataType.BYTES) {
      List<byte[]> strings = new ArrayList<>(values.size());
      int size = 0;
      for (JsonNode v : values) {
        if (!v.isTextual()) {
          throw new InvalidInputException("input '" + name + "' BYTES elements must be strings");
        }
        byte[] b = v.asText().getBytes(StandardCharsets.UTF_8);
        strings.add(b);
        size += 4 + b.length;
      }
      ByteBuffer out = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
      strings.forEach(b -> out.putInt(b.length).put(b));
      return out.flip();
    }
    ByteBuffer out =
        ByteBuffer.allocateDirect(values.size() * type.elementSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : values) {
      if (type == DataType.BOOL) {
        if (!v.isBoolean()) {
          throw new InvalidInputException("input '" + name + "' BOOL elements must be true/false");
        }
        out.put((byte) (v.asBoolean() ? 1 : 0));
        continue;
      }
      if (!v.isNumber()) {
        throw new InvalidInputException("input '" + name + "' " + type + " elements must be"
            + " numbers, got " + v.getNodeType());
      }
      if (type == DataType.FP32 || type == DataType.FP64 || type == DataType.FP16
          || type == DataType.BF16) {
        putFloat(out, type, v.asDouble());
      } else {
        if (!v.isIntegralNumber()) {
          throw new InvalidInputException("input '" + name + "' " + type
              + " elements must be integers");
        }
        putInteger(name, out, type, v);
      }
    }
    return out.flip();
  }

  private static void putFloat(ByteBuffer out, DataType type, double v) {
    switch (type) {
      case FP64 -> out.putDouble(v);
      case FP32 -> out.putFloat((float) v);
      case FP16 -> out.putShort(HalfFloat.fromFloat((float) v));
      case BF16 -> out.putShort((short) (Float.floatToIntBits((float) v) >>> 16));
      default -> throw new IllegalStateException(type.name());
    }
  }

  private static void putInteger(String name, ByteBuffer out, DataType type, JsonNode v) {
    java.math.BigInteger big = v.bigIntegerValue();
    java.math.BigInteger min;
    java.math.BigInteger max;
    boolean unsigned = type.name().startsWith("UINT");
    int bits = type.elementSize() * 8;
    if (unsigned) {
      min = java.math.BigInteger.ZERO;
      max = java.math.BigInteger.ONE.shiftLeft(bits).subtract(java.math.BigInteger.ONE);
    } else {
      min = java.math.BigInteger.ONE.shiftLeft(bits - 1).negate();
      max = java.math.BigInteger.ONE.shiftLeft(bits - 1).subtract(java.math.BigInteger.ONE);
    }
    if (big.compareTo(min) < 0 || big.compareTo(max) > 0) {
      throw new InvalidInputException(
          "input '" + name + "' value " + big + " is out of range for " + type);
    }
    long bitsValue = big.longValue();
    switch (type.elementSize()) {
      case 1 -> out.put((byte) bitsValue);
      case 2 -> out.putShort((short) bitsValue);
      case 4 -> out.putInt((int) bitsValue);
      default -> out.putLong(bitsValue);
    }
  }

  /** A V2 JSON output tensor with flat data. */
  public static ObjectNode output(Tensor t) {
    ObjectNode out = JSON.objectNode();
    out.put("name", t.name());
    out.put("datatype", t.dataType().wireName());
    ArrayNode shape = out.putArray("shape");
    for (long d : t.shape()) {
      shape.add(d);
    }
    ArrayNode data = out.putArray("data");
    ByteBuffer b = t.data();
    long count = t.elementCount();
    for (long i = 0; i < count; i++) {
      switch (t.dataType()) {
        case BOOL -> data.add(b.get() != 0);
        case INT8 -> data.add(b.get());
        case UINT8 -> data.add(Byte.toUnsignedInt(b.get()));
        case INT16 -> data.add(b.getShort());
        case UINT16 -> data.add(Short.toUnsignedInt(b.getShort()));
        case INT32 -> data.add(b.getInt());
        case UINT32 -> data.add(Integer.toUnsignedLong(b.getInt()));
        case INT64 -> data.add(b.getLong());
        case UINT64 -> data.add(new java.math.BigInteger(Long.toUnsignedString(b.getLong())));
        case FP16 -> data.add(HalfFloat.toFloat(b.getShort()));
        case BF16 -> data.add(Float.intBitsToFloat(b.getShort() << 16));
        case FP32 -> data.add(b.getFloat());
        case FP64 -> data.add(b.getDouble());
        case BYTES -> {
          byte[] s = new byte[b.getInt()];
          b.get(s);
          data.add(new String(s, StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }
}
