package io.densemesh.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.densemesh.runtime.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A KServe V2 inference response for the JSON binding, written by {@link JsonTensorCodec#write}.
 * {@link #answering} carries back what KServe carries: the request's {@code id} as sent, and on
 * each output the {@code parameters} the client gave that output when requesting it. Request-level
 * parameters are not echoed (KServe does not); response-level {@code parameters} are the server's.
 *
 * @param modelName the model as the client named it
 * @param modelVersion the version answered
 * @param id the request's id as sent; empty when it had none
 * @param parameters response-level parameters (written only when not empty)
 * @param outputs output tensors with their parameters
 */
public record InferResponse(String modelName, String modelVersion, Optional<JsonNode> id,
    Map<String, JsonNode> parameters, List<Output> outputs) {

  public InferResponse {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(id, "id");
    parameters = InferRequest.ordered(parameters);
    outputs = List.copyOf(outputs);
  }

  /** The answer to {@code request}: its id, and each output with the parameters asked for it. */
  public static InferResponse answering(InferRequest request, String modelName,
      String modelVersion, List<Tensor> tensors) {
    return new InferResponse(modelName, modelVersion, request.id(), Map.of(),
        tensors.stream().map(t -> new Output(t, request.outputParameters(t.name()))).toList());
  }

  /** One output tensor and its parameters. */
  public record Output(Tensor tensor, Map<String, JsonNode> parameters) {
    public Output {
      Objects.requireNonNull(tensor, "tensor");
      parameters = InferRequest.ordered(parameters);
    }
  }
}
