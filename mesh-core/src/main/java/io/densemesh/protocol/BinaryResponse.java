package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.api.inference.InferParameter;
import io.densemesh.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a V2 REST inference response, with the binary data extension where the request asked
 * for it ({@link OutputForms}): the JSON header first ({@code model_name}, {@code model_version}
 * when there is one, {@code id} as the request gave it, {@code parameters}, {@code outputs}),
 * where a binary output carries {@code binary_data_size} among its parameters and no
 * {@code data}; then each binary output's raw bytes in the order of {@code outputs}. With any
 * binary output the answer is {@value BinaryTensorData#CONTENT_TYPE} with the JSON's length for
 * the {@value BinaryTensorData#HEADER_LENGTH} header; without, plain JSON. Binary tensors are not
 * copied: the {@link Encoded} answer holds views of their buffers for the server to write.
 */
public final class BinaryResponse {

  private static final JsonFactory JSON = new ObjectMapper().getFactory();

  private BinaryResponse() {}

  /** Writes one output's JSON {@code data} array (outputs that do not go as binary). */
  @FunctionalInterface
  public interface DataWriter {
    void write(JsonGenerator json, Tensor tensor) throws IOException;
  }

  /**
   * The response's own fields.
   *
   * @param modelVersion left out of the JSON when empty (as the spec says for a request that
   *     named no version)
   * @param id the request's {@code id} exactly as given (any JSON value), or null for none
   */
  public record Head(String modelName, String modelVersion, JsonNode id,
      Map<String, InferParameter> parameters) {}

  /** An output tensor and its own response parameters (usually none). */
  public record Output(Tensor tensor, Map<String, InferParameter> parameters) {

    public static Output of(Tensor tensor) {
      return new Output(tensor, Map.of());
    }
  }

  /**
   * An encoded response: the JSON header, then the binary tensors (empty when all are JSON).
   *
   * @param json the JSON header (the whole body when {@code binary} is empty)
   * @param binary each binary output's bytes in order (read-only views)
   */
  public record Encoded(byte[] json, List<ByteBuffer> binary) {

    /** Whether the body carries binary tensors (and needs the length header). */
    public boolean hasBinary() {
      return !binary.isEmpty();
    }

    /** The {@value BinaryTensorData#HEADER_LENGTH} value: the JSON header's length. */
    public int headerLength() {
      return json.length;
    }

    public String contentType() {
      return hasBinary() ? BinaryTensorData.CONTENT_TYPE : "application/json";
    }

    public long bodyLength() {
      long n = json.length;
      for (ByteBuffer b : binary) {
        n += b.remaining();
      }
      return n;
    }

    /** The body in one array (a copy; servers that can write buffers in turn need not). */
    public byte[] body() {
      byte[] out = new byte[Math.toIntExact(bodyLength())];
      System.arraycopy(json, 0, out, 0, json.length);
      int at = json.length;
      for (ByteBuffer b : binary) {
        int n = b.remaining();
        b.duplicate().get(out, at, n);
        at += n;
      }
      return out;
    }
  }

  /** Encodes with {@link JsonTensorWriter} for the outputs that go as JSON. */
  public static Encoded encode(Head head, List<Output> outputs, OutputForms forms) {
    return encode(head, outputs, forms, JsonTensorWriter::writeData);
  }

  public static Encoded encode(Head head, List<Output> outputs, OutputForms forms,
      DataWriter data) {
    ByteArrayOutputStream header = new ByteArrayOutputStream(256);
    List<ByteBuffer> binary = new ArrayList<>();
    try (JsonGenerator json = JSON.createGenerator(header)) {
      json.writeStartObject();
      json.writeStringField("model_name", head.modelName());
      if (!head.modelVersion().isEmpty()) {
        json.writeStringField("model_version", head.modelVersion());
      }
      if (head.id() != null && !head.id().isMissingNode()) {
        json.writeFieldName("id");
        json.writeTree(head.id());
      }
      if (!head.parameters().isEmpty()) {
        json.writeFieldName("parameters");
        JsonTensorWriter.writeParameters(json, head.parameters());
      }
      json.writeArrayFieldStart("outputs");
      for (Output out : outputs) {
        Tensor t = out.tensor();
        boolean asBinary = forms.binary(t.name());
        json.writeStartObject();
        json.writeStringField("name", t.name());
        json.writeStringField("datatype", t.dataType().wireName());
        json.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
          json.writeNumber(d);
        }
        json.writeEndArray();
        Map<String, InferParameter> parameters = out.parameters();
        if (asBinary) {
          ByteBuffer bytes = t.data().asReadOnlyBuffer();
          parameters = new LinkedHashMap<>(parameters);
          parameters.put(BinaryTensorData.BINARY_DATA_SIZE,
              InferParameter.newBuilder().setInt64Param(bytes.remaining()).build());
          binary.add(bytes);
        }
        if (!parameters.isEmpty()) {
          json.writeFieldName("parameters");
          JsonTensorWriter.writeParameters(json, parameters);
        }
        if (!asBinary) {
          json.writeFieldName("data");
          data.write(json, t);
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing a response to memory failed", e);
    }
    binary.removeIf(b -> !b.hasRemaining()); // a zero-byte tensor adds nothing to the body
    return new Encoded(header.toByteArray(), List.copyOf(binary));
  }
}
