package io.densemesh.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
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
 * binary bytes the answer is {@value BinaryTensorData#CONTENT_TYPE} with the JSON's length for
 * the {@value BinaryTensorData#HEADER_LENGTH} header; without, plain JSON. JSON {@code data} is
 * written by {@link JsonTensorWriter}. Binary tensors are not copied here: {@link Encoded} holds
 * views of their buffers.
 */
public final class BinaryResponse {

  private static final JsonFactory JSON = new ObjectMapper().getFactory();

  private BinaryResponse() {}

  /**
   * An encoded response: the JSON header, then the binary tensors (empty when all are JSON).
   *
   * @param json the JSON header (the whole body when {@code binary} is empty)
   * @param binary each binary output's bytes in order (read-only views)
   */
  public record Encoded(byte[] json, List<ByteBuffer> binary) {

    /** Whether the body carries binary tensor bytes (and needs the length header). */
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

    /** The body in one array (a copy). */
    public byte[] body() {
      if (binary.isEmpty()) {
        return json;
      }
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

  /** Encodes {@code response}, each output as binary or JSON as {@code forms} says. */
  public static Encoded encode(InferResponse response, OutputForms forms) {
    ByteArrayOutputStream header = new ByteArrayOutputStream(256);
    List<ByteBuffer> binary = new ArrayList<>();
    try (JsonGenerator json = JSON.createGenerator(header)) {
      json.writeStartObject();
      json.writeStringField("model_name", response.modelName());
      if (!response.modelVersion().isEmpty()) {
        json.writeStringField("model_version", response.modelVersion());
      }
      if (response.id().isPresent()) {
        json.writeFieldName("id");
        json.writeTree(response.id().get());
      }
      if (!response.parameters().isEmpty()) {
        json.writeFieldName("parameters");
        JsonTensorWriter.writeParameters(json, response.parameters());
      }
      json.writeArrayFieldStart("outputs");
      for (InferResponse.Output out : response.outputs()) {
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
        Map<String, JsonNode> parameters = out.parameters();
        if (asBinary) {
          ByteBuffer bytes = t.data().asReadOnlyBuffer();
          parameters = new LinkedHashMap<>(parameters);
          parameters.put(BinaryTensorData.BINARY_DATA_SIZE, LongNode.valueOf(bytes.remaining()));
          if (bytes.hasRemaining()) { // a zero-byte tensor adds nothing to the body
            binary.add(bytes);
          }
        }
        if (!parameters.isEmpty()) {
          json.writeFieldName("parameters");
          JsonTensorWriter.writeParameters(json, parameters);
        }
        if (!asBinary) {
          json.writeFieldName("data");
          JsonTensorWriter.writeData(json, t);
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing a response to memory failed", e);
    }
    return new Encoded(header.toByteArray(), List.copyOf(binary));
  }
}
