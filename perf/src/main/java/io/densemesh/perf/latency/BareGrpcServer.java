package io.densemesh.perf.latency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.UnsafeByteOperations;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Baseline (b): the least a gRPC V2 server can do: no registry, no cache, no validation beyond
 * what ORT does, one session. What DenseMesh adds over this is its own overhead.
 */
public final class BareGrpcServer extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase
    implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Server server;

  BareGrpcServer(OrtEnvironment env, OrtSession session) throws IOException {
    this(env, session, 0);
  }

  private BareGrpcServer(OrtEnvironment env, OrtSession session, int port) throws IOException {
    this.env = env;
    this.session = session;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(this).build().start();
  }

  /**
   * The floor as a process of its own ({@code bench-hop}): {@code MODEL.onnx PORT}; serves any
   * model name with that one session (one intra-op thread, as the nodes run) until killed.
   */
  public static void main(String[] args) throws Exception {
    ai.djl.engine.Engine.getEngine("OnnxRuntime"); // the native library, as the node loads it
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions options = io.densemesh.runtime.onnx.OnnxModelRuntime
        .sessionOptions(1, io.densemesh.runtime.onnx.ExecutionDevice.CPU)) {
      session = env.createSession(args[0], options);
    }
    BareGrpcServer server = new BareGrpcServer(env, session, Integer.parseInt(args[1]));
    System.out.println("floor server on port " + server.port());
    server.server.awaitTermination();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    ModelInferRequest.InferInputTensor in = request.getInputs(0);
    long[] shape = in.getShapeList().stream().mapToLong(Long::longValue).toArray();
    ByteBuffer raw = request.getRawInputContents(0).asReadOnlyByteBuffer();
    ByteBuffer direct = ByteBuffer.allocateDirect(raw.remaining()).order(ByteOrder.nativeOrder());
    direct.put(raw).flip();
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, direct.asFloatBuffer(), shape);
        OrtSession.Result result = session.run(Map.of(in.getName(), tensor))) {
      OnnxTensor logits = (OnnxTensor) result.get(0);
      ByteBuffer bytes = logits.getByteBuffer();
      ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
          .setModelName(request.getModelName());
      response.addOutputsBuilder().setName("logits").setDatatype("FP32")
          .addAllShape(java.util.Arrays.stream(logits.getInfo().getShape()).boxed().toList());
      response.addRawOutputContents(UnsafeByteOperations.unsafeWrap(bytes.array()));
      out.onNext(response.build());
      out.onCompleted();
    } catch (OrtException e) {
      out.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
