package io.densemesh.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.auth.Principal;
import io.densemesh.node.NodeState;
import io.densemesh.protocol.BinaryResponse;
import io.densemesh.protocol.BinaryTail;
import io.densemesh.protocol.BinaryTensorData;
import io.densemesh.protocol.GenerateCodec;
import io.densemesh.protocol.InferRequest;
import io.densemesh.protocol.InferResponse;
import io.densemesh.protocol.JsonTensorCodec;
import io.densemesh.protocol.OutputForms;
import io.densemesh.protocol.TensorRows;
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
 * model readiness, inference and the generate extension. Everything but the health answers may block (registry lookups,
 * model loads, inference) and runs on the REST request threads.
 */
final class V2Api {

  private final ModelResolver resolver;
  private final Serving serving;
  private final NodeState state;
  private final JsonTensorCodec codec;
  private final GenerateCodec generate;

  V2Api(ModelResolver resolver, Serving serving, NodeState state, JsonTensorCodec codec,
      GenerateCodec generate) {
    this.resolver = resolver;
    this.serving = serving;
    this.state = state;
    this.codec = codec;
    this.generate = generate;
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
    List<Tensor> outputs = run(spec, request.tensors(), request);
    InferResponse response = InferResponse.answering(request, ref.model(),
        ref.version() == null ? "" : ref.version(), outputs);
    BinaryResponse.Encoded encoded = BinaryResponse.encode(response, forms);
    return new Reply(200, encoded.body(), encoded.hasBinary()
        ? Map.of("Content-Type", encoded.contentType(),
            BinaryTensorData.HEADER_LENGTH, Integer.toString(encoded.headerLength()))
        : Map.of());
  }

  /**
   * The one inference call of every REST route (infer, generate, each event of
   * generate_stream): through the serving the node gave the REST front end, which routes the
   * request through the mesh (served here or forwarded to a holder), admitted as infer is.
   */
  private List<Tensor> run(ModelSpec spec, List<Tensor> inputs, InferRequest request) {
    return serving.infer(spec, inputs, request.outputNames(), null);
  }

  /** A generate body read against the model's declared inputs. */
  private record Generation(ModelSpec spec, ModelMetadata metadata, InferRequest request) {}

  private Generation generation(Principal caller, ModelRef ref, RequestBody body) {
    ModelSpec spec = resolve(caller, ref);
    ModelMetadata metadata = serving.metadata(spec, null);
    return new Generation(spec, metadata, generate.read(body, metadata.inputs()));
  }

  /** The answer's {@code model_version}: the one the path named, else the model's one version. */
  private static String version(ModelRef ref) {
    return ref.version() == null ? ModelResolver.VERSION : ref.version();
  }

  /**
   * The generate extension: the body's fields become the model's inputs ({@link GenerateCodec}),
   * the request runs exactly as infer runs, and the answer is one JSON object.
   */
  Reply generate(Principal caller, ModelRef ref, RequestBody body) {
    Generation g = generation(caller, ref, body);
    List<Tensor> outputs = run(g.spec(), g.request().tensors(), g.request());
    return new Reply(200, GenerateCodec.write(ref.model(), version(ref), g.request().id(),
        outputs), Map.of());
  }

  /**
   * The generate extension's stream: one event per row when the request can be cut into rows
   * (every input's declared first dimension is dynamic, the inputs agree on it, more than one
   * row; a text model's N strings are N rows), each row run on its own as infer runs, in order,
   * its event sent as soon as it is done; otherwise one event with the whole answer. A failure
   * before the first event is an ordinary JSON error with its status; after it, an
   * {@code {"error": ...}} event ends the stream.
   */
  Reply generateStream(Principal caller, ModelRef ref, RequestBody body, EventStream events) {
    Generation g = generation(caller, ref, body);
    List<Tensor> inputs = g.request().tensors();
    TensorRows rows = byRows(g.metadata(), inputs);
    try {
      while (rows == null || rows.hasNext()) {
        List<Tensor> piece = rows == null ? inputs : rows.next(1);
        List<Tensor> outputs;
        try {
          outputs = run(g.spec(), piece, g.request());
        } catch (RuntimeException e) {
          if (!events.started()) {
            throw e;
          }
          events.send(Reply.errorJson(e));
          break;
        }
        if (!events.send(GenerateCodec.write(ref.model(), version(ref), g.request().id(),
            outputs)) || rows == null) {
          break;
        }
      }
    } catch (RuntimeException e) {
      if (!events.started()) {
        throw e;
      }
      events.send(Reply.errorJson(e));
    }
    events.end();
    return Reply.STREAMED;
  }

  /** Rows to stream one by one, or null when the request is answered in one event. */
  private static TensorRows byRows(ModelMetadata metadata, List<Tensor> inputs) {
    for (Tensor t : inputs) {
      java.util.Optional<TensorSpec> spec = metadata.input(t.name());
      if (t.rank() == 0 || spec.isEmpty() || spec.get().rank() == 0
          || spec.get().shape().get(0) >= 0 || t.dim(0) != inputs.get(0).dim(0)) {
        return null;
      }
    }
    return inputs.get(0).dim(0) > 1 ? new TensorRows(inputs) : null;
  }
}
