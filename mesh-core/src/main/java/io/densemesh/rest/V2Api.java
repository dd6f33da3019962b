package io.densemesh.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.auth.Principal;
import io.densemesh.node.NodeState;
import io.densemesh.protocol.BinaryResponse;
import io.densemesh.protocol.BinaryTail;
import io.densemesh.protocol.BinaryTensorData;
import io.densemesh.protocol.InferRequest;
import io.densemesh.protocol.InferResponse;
import io.densemesh.protocol.JsonTensorCodec;
import io.densemesh.protocol.OutputForms;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.Serving;
import java.util.List;
import java.util.Map;

/**
 * What the KServe V2 REST endpoints answer, apart from HTTP: health, server and model metadata,
 * model readiness and inference. Everything but the health answers may block (registry lookups,
 * model loads, inference) and runs on the REST request threads.
 */
final class V2Api {

  private final ModelResolver resolver;
  private final Serving serving;
  private final NodeState state;
  private final JsonTensorCodec codec;

  V2Api(ModelResolver resolver, Serving serving, NodeState state, JsonTensorCodec codec) {
    this.resolver = resolver;
    this.serving = serving;
    this.state = state;
    this.codec = codec;
  }

  /** The model a request names: by URL, overridden by the ModelMesh headers as on gRPC. */
  record ModelRef(String model, String version, String vmodelHeader, String modelHeader) {}

  static final Reply LIVE = Reply.json(200, Reply.JSON.createObjectNode().put("live", true));
  private static final Reply READY =
      Reply.json(200, Reply.JSON.createObjectNode().put("ready", true));
  private static final Reply NOT_READY =
      Reply.json(503, Reply.JSON.createObjectNode().put("ready", false));

  Reply ready() {
    return state.ready() ? READY : NOT_READY;
  }

  Reply serverMetadata() {
    ObjectNode body = Reply.JSON.createObjectNode();
    body.put("name", NodeState.SERVER_NAME);
    body.put("version", state.version());
    NodeState.EXTENSIONS.forEach(body.putArray("extensions")::add);
    return Reply.json(200, body);
  }

  private ModelSpec resolve(Principal caller, ModelRef ref) {
    return resolver.resolveFor(caller, ref.model(), ref.vmodelHeader(), ref.modelHeader(),
        ref.version());
  }

  Reply modelReady(Principal caller, ModelRef ref) {
    boolean ready = serving.ready(resolve(caller, ref));
    ObjectNode body = Reply.JSON.createObjectNode().put("name", ref.model()).put("ready", ready);
    if (!ready) {
      body.put("error", "model '" + ref.model() + "' is registered but not loaded");
    }
    return Reply.json(ready ? 200 : 503, body);
  }

  Reply modelMetadata(Principal caller, ModelRef ref) {
    ModelMetadata metadata = serving.metadata(resolve(caller, ref), null);
    ObjectNode body = Reply.JSON.createObjectNode();
    body.put("name", ref.model());
    body.putArray("versions").add(ModelResolver.VERSION);
    body.put("platform", metadata.platform());
    tensors(body.putArray("inputs"), metadata.inputs());
    tensors(body.putArray("outputs"), metadata.outputs());
    return Reply.json(200, body);
  }

  private static void tensors(ArrayNode array, List<TensorSpec> specs) {
    for (TensorSpec spec : specs) {
      ObjectNode t = array.addObject();
      t.put("name", spec.name());
      t.put("datatype", spec.dataType().wireName());
      ArrayNode shape = t.putArray("shape");
      spec.shape().forEach(shape::add);
    }
  }

  /**
   * Runs an inference. With {@code headerLength} (the binary tensor data extension's
   * {@value BinaryTensorData#HEADER_LENGTH}) the body is that much JSON followed by the binary
   * inputs; outputs go back as binary where the request asks for it. The answer's
   * {@code model_version} is the version the path named (none: left out), as the spec says.
   */
  Reply infer(Principal caller, ModelRef ref, RequestBody body, String headerLength) {
    ModelSpec spec = resolve(caller, ref);
    InferRequest request;
    if (headerLength == null) {
      request = codec.read(body);
    } else {
      long json = BinaryTensorData.headerLength(headerLength, body.length());
      request = codec.read(body.head(json), BinaryTail.of(body.from(json)));
    }
    OutputForms forms = OutputForms.of(request);
    List<Tensor> outputs =
        serving.infer(spec, request.tensors(), request.outputNames(), null);
    InferResponse response = InferResponse.answering(request, ref.model(),
        ref.version() == null ? "" : ref.version(), outputs);
    BinaryResponse.Encoded encoded = BinaryResponse.encode(response, forms);
    return new Reply(200, encoded.body(), encoded.hasBinary()
        ? Map.of("Content-Type", encoded.contentType(),
            BinaryTensorData.HEADER_LENGTH, Integer.toString(encoded.headerLength()))
        : Map.of());
  }
}
