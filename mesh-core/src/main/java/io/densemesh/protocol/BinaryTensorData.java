package io.densemesh.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The V2 binary tensor data extension (Triton's {@code extension_binary_data.md}, which KServe's
 * server and both projects' Python HTTP clients speak) on the request side, and its parameters.
 *
 * <p>A body with binary tensors is the JSON inference header followed by each binary tensor's
 * bytes, in the order of the JSON's inputs; the {@value #HEADER_LENGTH} header gives the JSON's
 * length. Each binary input names its byte count in the {@value #BINARY_DATA_SIZE} parameter and
 * has no {@code data}. Tensor bytes are the raw V2 form (little-endian, row-major; a BYTES element
 * is a 4-byte little-endian length and the bytes), which is {@link io.densemesh.runtime.Tensor}'s
 * own, so the tail is sliced, never copied. {@link #split} frames a body; the JSON parser then
 * reads each binary input from the {@link BinaryTail} as it meets it, and calls {@link
 * BinaryTail#requireConsumed()} at the end. The response side is {@link BinaryResponse}.
 */
public final class BinaryTensorData {

  /** The HTTP header giving the JSON header's length in bytes (request and response). */
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  /** The content type of a body that carries binary tensors. */
  public static final String CONTENT_TYPE = "application/octet-stream";
  /** Input and output parameter: the tensor's binary byte count. */
  public static final String BINARY_DATA_SIZE = "binary_data_size";
  /** Requested-output parameter: this output as binary (true) or JSON (false). */
  public static final String BINARY_DATA = "binary_data";
  /** Request parameter: every output as binary unless the output says otherwise. */
  public static final String BINARY_DATA_OUTPUT = "binary_data_output";

  private BinaryTensorData() {}

  /** A request body split into its JSON header and its binary tail. */
  public record Split(ByteBuffer json, BinaryTail tail) {}

  /**
   * Splits a request body by its {@value #HEADER_LENGTH} header; without the header the whole
   * body is JSON and the tail is empty.
   *
   * @param headerLength the header's value, or null when the request has none
   * @throws InvalidInputException the value is not a byte count within the body, or is 0 (a body
   *     without a JSON header, Triton's "raw binary request", is not supported)
   */
  public static Split split(ByteBuffer body, String headerLength) {
    ByteBuffer all = body.slice();
    if (headerLength == null) {
      return new Split(all, BinaryTail.none());
    }
    int json = (int) headerLength(headerLength, all.remaining());
    return new Split(all.slice(0, json), BinaryTail.of(all.slice(json, all.remaining() - json)));
  }

  /**
   * The JSON header's length a {@value #HEADER_LENGTH} value gives, checked against the body.
   *
   * @throws InvalidInputException as {@link #split} says
   */
  public static long headerLength(String value, long bodyLength) {
    long length = parseLength(value.trim());
    if (length == 0) {
      throw new InvalidInputException(HEADER_LENGTH + " is 0: a body without a JSON inference"
          + " header is not supported; send the JSON header first and give its length");
    }
    if (length > bodyLength) {
      throw new InvalidInputException(HEADER_LENGTH + " is " + length + " but the body has only "
          + bodyLength + " bytes");
    }
    return length;
  }

  private static long parseLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      throw badLength(value);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw badLength(value);
      }
    }
    return Long.parseLong(value);
  }

  private static InvalidInputException badLength(String value) {
    return new InvalidInputException(HEADER_LENGTH + " must be the JSON header's length in bytes"
        + " (a non-negative whole number), got '" + printable(value) + "'");
  }

  /**
   * An input's {@value #BINARY_DATA_SIZE}, or -1 when it has none (its data is in the JSON).
   *
   * @throws InvalidInputException the parameter is not a non-negative integer
   */
  public static long binaryDataSize(String input, Map<String, JsonNode> parameters) {
    JsonNode p = parameters.get(BINARY_DATA_SIZE);
    if (p == null) {
      return -1;
    }
    if (!p.isIntegralNumber() || !p.canConvertToLong() || p.asLong() < 0) {
      throw new InvalidInputException("parameter " + BINARY_DATA_SIZE + " of input '" + input
          + "' must be a non-negative integer (bytes of binary data), got " + describe(p));
    }
    return p.asLong();
  }

  /**
   * Checks that an input carries its data one way: JSON {@code data} or binary, not both and
   * not neither (as Triton; KServe's clients never send both).
   */
  public static void requireOneSource(String input, boolean hasJsonData, long binaryDataSize) {
    boolean binary = binaryDataSize >= 0;
    if (hasJsonData && binary) {
      throw new InvalidInputException("input '" + input + "' sets both \"data\" and the "
          + BINARY_DATA_SIZE + " parameter; send its data one way");
    }
    if (!hasJsonData && !binary) {
      throw new InvalidInputException("input '" + input + "' has no \"data\" and no "
          + BINARY_DATA_SIZE + " parameter");
    }
  }

  /**
   * A boolean parameter ({@value #BINARY_DATA} or {@value #BINARY_DATA_OUTPUT}), or null when
   * absent.
   *
   * @param where names the owner in an error, e.g. "output 'probs'" or "the request"
   * @throws InvalidInputException the parameter is present but not a boolean
   */
  public static Boolean flag(String where, String name, Map<String, JsonNode> parameters) {
    JsonNode p = parameters.get(name);
    if (p == null) {
      return null;
    }
    if (!p.isBoolean()) {
      throw new InvalidInputException("parameter " + name + " of " + where
          + " must be a boolean, got " + describe(p));
    }
    return p.asBoolean();
  }

  static String describe(JsonNode p) {
    if (p.isTextual()) {
      return "the string \"" + printable(p.asText()) + "\"";
    }
    if (p.isNumber()) {
      return "the number " + printable(p.asText());
    }
    if (p.isBoolean()) {
      return "the boolean " + p.asBoolean();
    }
    return p.isNull() ? "null" : "a JSON " + p.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** A client's value shortened and stripped of control characters for an error message. */
  static String printable(String value) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    StringBuilder out = new StringBuilder(shown.length());
    shown.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return out.toString();
  }
}
