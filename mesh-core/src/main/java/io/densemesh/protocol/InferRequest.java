package io.densemesh.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.densemesh.runtime.Tensor;
import java.util.LinkedHashSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A KServe V2 inference request as the JSON binding carries it, decoded by
 * {@link JsonTensorCodec#read}: the client's {@code id} exactly as sent (any JSON value, answered
 * back unchanged), the request {@code parameters}, the input tensors with their own
 * {@code parameters}, and the requested outputs with theirs. Parameter values are kept as the
 * JSON values the client sent (the protocol allows strings, numbers and booleans), so extensions
 * that act on parameters (e.g. binary tensor data) read them here.
 *
 * @param id the request id as sent; empty when the request had none
 * @param parameters request-level parameters, in the order sent
 * @param inputs the input tensors, in the order sent
 * @param outputs the requested outputs; empty means all of the model's outputs
 */
public record InferRequest(Optional<JsonNode> id, Map<String, JsonNode> parameters,
    List<Input> inputs, List<RequestedOutput> outputs) {

  public InferRequest {
    Objects.requireNonNull(id, "id");
    parameters = ordered(parameters);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The input tensors alone, as the serving path takes them. */
  public List<Tensor> tensors() {
    return inputs.stream().map(Input::tensor).toList();
  }

  /** The requested output names in request order (empty: all outputs). */
  public Set<String> outputNames() {
    Set<String> names = new LinkedHashSet<>();
    outputs.forEach(o -> names.add(o.name()));
    return names;
  }

  /** The parameters the client gave a requested output, if it asked for that output. */
  public Map<String, JsonNode> outputParameters(String name) {
    for (RequestedOutput output : outputs) {
      if (output.name().equals(name)) {
        return output.parameters();
      }
    }
    return Map.of();
  }

  /** One input tensor and its parameters. */
  public record Input(Tensor tensor, Map<String, JsonNode> parameters) {
    public Input {
      Objects.requireNonNull(tensor, "tensor");
      parameters = ordered(parameters);
    }
  }

  /** One requested output by name, with its parameters. */
  public record RequestedOutput(String name, Map<String, JsonNode> parameters) {
    public RequestedOutput {
      Objects.requireNonNull(name, "name");
      parameters = ordered(parameters);
    }
  }

  /** An unmodifiable copy that keeps the order the client sent. */
  static Map<String, JsonNode> ordered(Map<String, JsonNode> parameters) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }
}
