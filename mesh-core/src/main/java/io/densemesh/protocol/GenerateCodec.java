package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of Triton's generate extension ({@code POST .../generate} and
 * {@code .../generate_stream}), mapped onto V2 inference as Triton maps it:
 * <ul>
 *   <li>a top-level field named like a model input is that input: a scalar or a flat array of
 *   scalars, encoded as the input's declared datatype ({@link ElementEncoder}, the JSON codec's
 *   encoder, with its element limit). Its shape follows the declared one: fixed dimensions take
 *   their size, the innermost dynamic dimension takes the elements left, any other dynamic one is
 *   1 (so {@code "text": ["a", "b"]} for a {@code [-1]} input is shape {@code [2]}, a lone string
 *   {@code [1]}); elements that do not fill the fixed dimensions are refused;
 *   <li>{@code text_input}, the field the extension names, is also taken for a model without an
 *   input of that name whose one BYTES input is called otherwise (a text model's {@code text});
 *   <li>{@code parameters} (an object) and every other field become request parameters, whose
 *   values must be strings, numbers or booleans; {@code id} is the request id, answered back.
 * </ul>
 * A response is one object: {@code id} when the request had one, {@code model_name},
 * {@code model_version}, then one field per output, a one-element output as that element alone
 * and any other as its flat data array ({@link JsonTensorWriter#writeValue}). Every problem with
 * a body is an {@link InvalidInputException} naming it.
 */
public final class GenerateCodec {

  /** The field the generate extension names for the input text. */
  public static final String TEXT_INPUT = "text_input";

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();
  private static final ObjectMapper VALUES = new ObjectMapper(FACTORY);

  private final long maxElements;

  /** @param maxElements the most elements one input may hold, as for infer */
  public GenerateCodec(long maxElements) {
    if (maxElements <= 0) {
      throw new IllegalArgumentException("maxElements must be > 0");
    }
    this.maxElements = maxElements;
  }

  /**
   * Reads a generate body into the V2 request it stands for.
   *
   * @param inputs the model's declared inputs
   * @throws InvalidInputException naming what is wrong with the body
   */
  public InferRequest read(InputStream body, List<TensorSpec> inputs) {
    try (JsonParser parser = FACTORY.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("generate request body must be a JSON object");
      }
      Optional<JsonNode> id = Optional.empty();
      Map<String, JsonNode> parameters = new LinkedHashMap<>();
      Map<String, InferRequest.Input> tensors = new LinkedHashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        Optional<TensorSpec> input = inputFor(field, inputs);
        if (input.isPresent()) {
          TensorSpec spec = input.get();
          Tensor tensor = tensor(parser, field, spec);
          if (tensors.put(spec.name(), new InferRequest.Input(tensor, Map.of())) != null) {
            throw new InvalidInputException("input '" + spec.name() + "' is given twice (as '"
                + TEXT_INPUT + "' and by its name)");
          }
        } else if (field.equals("parameters")) {
          readParameters(parser, parameters);
        } else if (field.equals("id")) {
          id = Optional.of(VALUES.readTree(parser));
        } else {
          parameters.put(field, parameter(parser, field));
        }
      }
      if (parser.nextToken() != null) {
        throw new InvalidInputException("generate request body has content after the JSON"
            + " object");
      }
      if (tensors.isEmpty()) {
        throw new InvalidInputException("generate request names none of the model's inputs ("
            + inputs.stream().map(TensorSpec::name).toList() + ")");
      }
      return new InferRequest(id, parameters, List.copyOf(tensors.values()), List.of());
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("generate request body is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidInputException("cannot read request body: " + e.getMessage());
    }
  }

  /** The model input a top-level field stands for, if any. */
  static Optional<TensorSpec> inputFor(String field, List<TensorSpec> inputs) {
    for (TensorSpec spec : inputs) {
      if (spec.name().equals(field)) {
        return Optional.of(spec);
      }
    }
    if (field.equals(TEXT_INPUT)) {
      List<TensorSpec> strings = inputs.stream()
          .filter(s -> s.dataType() == DataType.BYTES).toList();
      if (strings.size() == 1) {
        return Optional.of(strings.get(0));
      }
    }
    return Optional.empty();
  }

  private Tensor tensor(JsonParser parser, String field, TensorSpec spec) throws IOException {
    String label = spec.name();
    ElementEncoder encoder = new ElementEncoder(label, spec.dataType(), -1);
    if (parser.currentToken() == JsonToken.START_ARRAY) {
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        if (!parser.currentToken().isScalarValue()) {
          throw new InvalidInputException("field '" + field + "' must be a value or a flat array"
              + " of values, got " + ElementEncoder.describe(parser.currentToken())
              + " inside its array");
        }
        if (encoder.count() == maxElements) {
          throw new InvalidInputException("input '" + label + "': its data has more than "
              + maxElements + " elements, more than the limit of " + maxElements);
        }
        encoder.add(parser);
      }
    } else if (parser.currentToken().isScalarValue()) {
      encoder.add(parser);
    } else {
      throw new InvalidInputException("field '" + field + "' must be a value or a flat array of"
          + " values, got " + ElementEncoder.describe(parser.currentToken()));
    }
    return new Tensor(spec.name(), spec.dataType(), shape(spec, encoder.count()),
        encoder.finish());
  }

  /**
   * Triton's rule: fixed dimensions (innermost first) divide the element count, the innermost
   * dynamic dimension takes what is left, other dynamic dimensions are 1.
   */
  static long[] shape(TensorSpec spec, long elements) {
    List<Long> declared = spec.shape();
    long[] shape = new long[declared.size()];
    long left = elements;
    for (int i = shape.length - 1; i >= 0; i--) {
      long d = declared.get(i);
      shape[i] = d;
      if (d >= 0) {
        if (d == 0 ? left != 0 : left % d != 0) {
          throw cannotShape(spec, elements);
        }
        left = d == 0 ? 0 : left / d;
      }
    }
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] < 0) {
        shape[i] = left;
        left = 1;
      }
    }
    if (Tensor.elementCount(shape) != elements) {
      throw cannotShape(spec, elements);
    }
    return shape;
  }

  private static InvalidInputException cannotShape(TensorSpec spec, long elements) {
    return new InvalidInputException("cannot make input '" + spec.name() + "' of shape "
        + spec.shape() + " from " + elements + " element" + (elements == 1 ? "" : "s"));
  }

  private static void readParameters(JsonParser parser, Map<String, JsonNode> into)
      throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return;
    }
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw new InvalidInputException("\"parameters\" must be a JSON object");
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      into.put(name, parameter(parser, name));
    }
  }

  private static JsonNode parameter(JsonParser parser, String name) throws IOException {
    JsonToken token = parser.currentToken();
    if (token != JsonToken.VALUE_STRING && !token.isNumeric() && !token.isBoolean()) {
      throw new InvalidInputException("parameter '" + name + "' must be a string, a number or a"
          + " boolean, got " + ElementEncoder.describe(token)
          + " (a field not named after a model input is a parameter)");
    }
    return VALUES.readTree(parser);
  }

  /** A generate response: the request's id, the model, then each output by name. */
  public static byte[] write(String modelName, String modelVersion, Optional<JsonNode> id,
      List<Tensor> outputs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = VALUES.getFactory().createGenerator(out)) {
      json.writeStartObject();
      if (id.isPresent()) {
        json.writeFieldName("id");
        json.writeTree(id.get());
      }
      json.writeStringField("model_name", modelName);
      json.writeStringField("model_version", modelVersion);
      List<String> written = new ArrayList<>(List.of("id", "model_name", "model_version"));
      for (Tensor t : outputs) {
        if (written.contains(t.name())) {
          continue; // an output named like a reserved field cannot be told apart from it
        }
        written.add(t.name());
        json.writeFieldName(t.name());
        JsonTensorWriter.writeValue(json, t);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing a response to memory failed", e);
    }
    return out.toByteArray();
  }
}
