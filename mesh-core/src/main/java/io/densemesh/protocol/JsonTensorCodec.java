package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The KServe V2 REST (JSON) binding of inference requests and responses, read and written with
 * Jackson's streaming parser and generator: tensor data goes straight from the JSON tokens into
 * raw little-endian buffers ({@link ElementEncoder}), never through a tree or a list of boxed
 * values, and the element limit is enforced while reading, so an oversized array is refused at
 * its first element past the limit without being held.
 *
 * <p>A tensor is {@code {"name", "shape", "datatype", "data", "parameters"}}; data is a flat or
 * nested array in row-major order (a lone scalar is one element); BYTES elements are strings,
 * BOOL elements {@code true}/{@code false}; FP16/BF16 travel as numbers and are rounded to the
 * type. Fields may come in any order: data that arrives before its datatype is kept as tokens
 * (still counted against the limit) and encoded once the datatype is known. Unknown fields are
 * skipped. Small values (the request id, parameter values) are kept as JSON values. Float
 * elements may be the literals {@code NaN}, {@code Infinity} and {@code -Infinity}, as KServe's
 * server reads them. An input with a {@code binary_data_size} parameter has no {@code data}: its
 * bytes come from the body's binary part ({@link BinaryTail}, the binary tensor data extension).
 *
 * <p>Every problem with a body is an {@link InvalidInputException} naming it; nothing else
 * escapes {@link #read}.
 */
public final class JsonTensorCodec {

  /** Dimensions one shape may have; no model has more, and it bounds what a shape can cost. */
  static final int MAX_RANK = 64;

  // NaN, Infinity and -Infinity are numbers here, as in the JSON KServe's server reads
  // (Python's json module): float tensors need them (Jackson also takes +Infinity, INF, -INF).
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();
  private static final ObjectMapper VALUES = new ObjectMapper(FACTORY);

  private final long maxElements;

  /** @param maxElements the most elements one input tensor may hold (shape and data alike) */
  public JsonTensorCodec(long maxElements) {
    if (maxElements <= 0) {
      throw new IllegalArgumentException("maxElements must be > 0");
    }
    this.maxElements = maxElements;
  }

  /** Reads a request body. */
  public InferRequest read(byte[] body) {
    return read(new ByteArrayInputStream(body));
  }

  /**
   * Reads a request body from {@code body} (not closed).
   *
   * @throws InvalidInputException naming what is wrong with the body
   */
  public InferRequest read(InputStream body) {
    return read(body, BinaryTail.none());
  }

  /**
   * Reads the JSON header of a request whose binary inputs (binary tensor data extension) are
   * in {@code tail}: an input with a {@code binary_data_size} parameter takes its bytes from the
   * tail, in the order of {@code inputs}; every tail byte must belong to an input.
   *
   * @throws InvalidInputException naming what is wrong with the body
   */
  public InferRequest read(InputStream json, BinaryTail tail) {
    try (JsonParser parser = FACTORY.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("request body must be a JSON object");
      }
      Optional<JsonNode> id = Optional.empty();
      Map<String, JsonNode> parameters = Map.of();
      List<InferRequest.Input> inputs = null;
      List<InferRequest.RequestedOutput> outputs = List.of();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        switch (field) {
          case "id" -> id = Optional.of(VALUES.readTree(parser));
          case "parameters" -> parameters = parameters(parser, "request");
          case "inputs" -> inputs = inputs(parser, tail);
          case "outputs" -> outputs = outputs(parser);
          default -> parser.skipChildren();
        }
      }
      if (parser.nextToken() != null) {
        throw new InvalidInputException("request body has content after the JSON object");
      }
      if (inputs == null) {
        throw new InvalidInputException("request body needs an \"inputs\" array");
      }
      tail.requireConsumed();
      return new InferRequest(id, parameters, inputs, outputs);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("request body is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidInputException("cannot read request body: " + e.getMessage());
    }
  }

  private static Map<String, JsonNode> parameters(JsonParser parser, String owner)
      throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new InvalidInputException("\"parameters\" of " + owner + " must be a JSON object");
    }
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      parameters.put(name, VALUES.readTree(parser));
    }
    return parameters;
  }

  private List<InferRequest.Input> inputs(JsonParser parser, BinaryTail tail)
      throws IOException {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidInputException("request body needs an \"inputs\" array");
    }
    List<InferRequest.Input> inputs = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      inputs.add(input(parser, inputs.size(), tail));
    }
    return inputs;
  }

  /** One input tensor object; its fields in any order. */
  private InferRequest.Input input(JsonParser parser, int index, BinaryTail tail)
      throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new InvalidInputException("input #" + index + " must be a JSON object, got "
          + ElementEncoder.describe(parser.currentToken()));
    }
    String name = null;
    DataType type = null;
    long[] shape = null;
    Map<String, JsonNode> parameters = Map.of();
    ElementEncoder encoded = null;
    TokenBuffer early = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      String label = name == null ? "#" + index : name;
      switch (field) {
        case "name" -> name = text(parser, "name");
        case "datatype" -> type = DataType.fromWire(text(parser, "datatype"));
        case "shape" -> shape = shape(parser, label);
        case "parameters" -> parameters = parameters(parser, "input '" + label + "'");
        case "data" -> {
          if (type != null) {
            encoded = data(parser, label, type, shape);
          } else {
            early = capture(parser, label);
          }
        }
        default -> parser.skipChildren();
      }
    }
    if (name == null) {
      throw new InvalidInputException("tensor needs a non-empty string \"name\"");
    }
    if (type == null) {
      throw new InvalidInputException("tensor needs a non-empty string \"datatype\"");
    }
    if (shape == null) {
      throw new InvalidInputException("input '" + name + "' needs a \"shape\" array");
    }
    long binarySize = BinaryTensorData.binaryDataSize(name, parameters);
    if (binarySize >= 0) {
      BinaryTensorData.requireOneSource(name, encoded != null || early != null, binarySize);
      return new InferRequest.Input(tail.take(name, type, shape, binarySize), parameters);
    }
    if (early != null) {
      try (JsonParser replay = early.asParser()) {
        replay.nextToken();
        encoded = data(replay, name, type, shape);
      }
    }
    if (encoded == null) {
      throw new InvalidInputException("input '" + name + "' has no \"data\" and no "
          + BinaryTensorData.BINARY_DATA_SIZE + " parameter");
    }
    long count = Tensor.elementCount(shape);
    if (encoded.count() != count) {
      throw new InvalidInputException("input '" + name + "' has " + encoded.count()
          + " elements in data, its shape needs " + count);
    }
    return new InferRequest.Input(new Tensor(name, type, shape, encoded.finish()), parameters);
  }

  private long[] shape(JsonParser parser, String label) throws IOException {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidInputException("input '" + label + "' needs a \"shape\" array");
    }
    long[] dims = new long[4];
    int rank = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
        throw new InvalidInputException("input '" + label + "' shape holds a non-integer");
      }
      if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new InvalidInputException("input '" + label + "' shape holds a dimension out of"
            + " range");
      }
      if (rank == MAX_RANK) {
        throw new InvalidInputException("input '" + label + "' shape has more than " + MAX_RANK
            + " dimensions");
      }
      if (rank == dims.length) {
        dims = Arrays.copyOf(dims, rank * 2);
      }
      dims[rank++] = parser.getLongValue();
    }
    long[] shape = Arrays.copyOf(dims, rank);
    long count = Tensor.elementCount(shape);
    if (count > maxElements) {
      throw tooMany(label, "its shape " + Arrays.toString(shape) + " describes " + count
          + " elements");
    }
    return shape;
  }

  /**
   * Encodes the data value the parser is on; with the shape known, stops at the first element
   * past what it declares.
   */
  private ElementEncoder data(JsonParser parser, String label, DataType type, long[] shape)
      throws IOException {
    long expected = shape == null ? -1 : Tensor.elementCount(shape);
    ElementEncoder encoder = new ElementEncoder(label, type, expected);
    walk(parser, label, null, () -> {
      if (expected >= 0 && encoder.count() == expected) {
        throw new InvalidInputException("input '" + label + "' has more elements in data than"
            + " its shape " + Arrays.toString(shape) + " needs (" + expected + ")");
      }
      if (encoder.count() == maxElements) {
        throw tooMany(label, "its data has more than " + maxElements + " elements");
      }
      encoder.add(parser);
    });
    return encoder;
  }

  /** Keeps a data value that came before its datatype, counting its elements against the limit. */
  private TokenBuffer capture(JsonParser parser, String label) throws IOException {
    TokenBuffer tokens = new TokenBuffer(parser);
    long[] elements = {0};
    walk(parser, label, tokens, () -> {
      if (++elements[0] > maxElements) {
        throw tooMany(label, "its data has more than " + maxElements + " elements");
      }
    });
    return tokens;
  }

  /** What {@link #walk} does with each element. */
  @FunctionalInterface
  private interface ElementVisitor {
    void element() throws IOException;
  }

  /**
   * Walks the data value the parser is on (a scalar, or arrays nested to any depth), calling
   * {@code visitor} on every element and copying each token to {@code copy} if given; leaves
   * the parser on the value's last token.
   */
  private static void walk(JsonParser parser, String label, TokenBuffer copy,
      ElementVisitor visitor) throws IOException {
    int depth = 0;
    JsonToken token = parser.currentToken();
    while (true) {
      if (token == null) {
        throw new InvalidInputException("input '" + label + "' data ends early");
      } else if (token == JsonToken.START_ARRAY) {
        depth++;
      } else if (token == JsonToken.END_ARRAY) {
        depth--;
      } else if (token.isScalarValue()) {
        visitor.element();
      } else {
        throw new InvalidInputException("input '" + label + "' data holds "
            + ElementEncoder.describe(token) + ", only arrays and values");
      }
      if (copy != null) {
        copy.copyCurrentEvent(parser);
      }
      if (depth == 0) {
        return;
      }
      token = parser.nextToken();
    }
  }

  private InvalidInputException tooMany(String label, String what) {
    return new InvalidInputException("input '" + label + "': " + what + ", more than the limit"
        + " of " + maxElements);
  }

  private static List<InferRequest.RequestedOutput> outputs(JsonParser parser)
      throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidInputException("\"outputs\" must be an array");
    }
    List<InferRequest.RequestedOutput> outputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("each requested output must be a JSON object");
      }
      String name = null;
      Map<String, JsonNode> parameters = Map.of();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        switch (field) {
          case "name" -> name = text(parser, "name");
          case "parameters" -> parameters = parameters(parser,
              "output '" + (name == null ? "#" + outputs.size() : name) + "'");
          default -> parser.skipChildren();
        }
      }
      if (name == null) {
        throw new InvalidInputException("tensor needs a non-empty string \"name\"");
      }
      if (!names.add(name)) {
        throw new InvalidInputException("output '" + name + "' is requested twice");
      }
      outputs.add(new InferRequest.RequestedOutput(name, parameters));
    }
    return outputs;
  }

  private static String text(JsonParser parser, String field) throws IOException {
    if (parser.currentToken() != JsonToken.VALUE_STRING || parser.getTextLength() == 0) {
      throw new InvalidInputException("tensor needs a non-empty string \"" + field + "\"");
    }
    return parser.getText();
  }

  /**
   * Writes a response as JSON, every output's data in it ({@link BinaryResponse} writes both
   * forms; NaN and infinities become {@code null}, as KServe writes them).
   */
  public static void write(InferResponse response, OutputStream out) {
    try {
      out.write(write(response));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The response as JSON bytes. */
  public static byte[] write(InferResponse response) {
    return BinaryResponse.encode(response, OutputForms.JSON).json();
  }
}
