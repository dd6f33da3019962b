package io.densemesh.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.InferParameter;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.streaming.TextStreamingGrpc;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.mesh.Peers;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.protocol.TensorRows;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * {@code densemesh.v1.TextStreaming/streamInfer}: one V2 request with a long batch (N strings),
 * answered in chunks of rows, each chunk served exactly as a {@code ModelInfer} of those rows
 * ({@link InferenceRouting}: resolved and authorised for the caller, routed through the mesh,
 * admitted where it runs), in order. The contract is in {@code densemesh/text_streaming.proto}.
 *
 * <p>Flow control: one chunk is in flight at a time, and its answer is handed to the call only
 * while the call is ready; the next chunk starts only then. A client that reads slowly makes the
 * call unready, so the work waits (for {@code onReady}) with at most one answer held here. The
 * work goes on in a loop (not by recursion) when chunks are answered inline on the same thread.
 * Cancellation and the deadline end the loop; the chunk in flight stops where the unary path
 * stops for a cancelled call.
 */
public final class ChunkedInference {

  /** Rows per chunk when the request does not say. */
  public static final int DEFAULT_CHUNK_SIZE = 16;
  /** The most rows one chunk may have. */
  public static final int MAX_CHUNK_SIZE = 1024;
  /** The request parameter that sets the chunk size. */
  public static final String CHUNK_SIZE = "chunk_size";
  /** The response parameter with a chunk's first row. */
  public static final String OFFSET = "offset";

  /** Serves one {@code ModelInfer} given as bytes, answering as the unary call would. */
  @FunctionalInterface
  interface Route {
    void infer(byte[] request, StreamObserver<byte[]> answer);
  }

  private final Route route;

  public ChunkedInference(InferenceRouting routing) {
    this(routing::inferBytes);
  }

  ChunkedInference(Route route) {
    this.route = route;
  }

  /** The service to register on the client port (wrap it with the inference interceptors). */
  public ServerServiceDefinition bindService() {
    MethodDescriptor<byte[], byte[]> method = Peers.bytesMethod(
            TextStreamingGrpc.getStreamInferMethod().getFullMethodName()).toBuilder()
        .setType(MethodDescriptor.MethodType.SERVER_STREAMING).build();
    ServiceDescriptor schema = ServiceDescriptor.newBuilder(TextStreamingGrpc.SERVICE_NAME)
        .setSchemaDescriptor(TextStreamingGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(method)
        .build();
    return ServerServiceDefinition.builder(schema)
        .addMethod(method, ServerCalls.asyncServerStreamingCall(this::streamInfer))
        .build();
  }

  private void streamInfer(byte[] body, StreamObserver<byte[]> responses) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
    Stream stream;
    try {
      ModelInferRequest request;
      try {
        request = ModelInferRequest.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidInputException("malformed request: " + e.getMessage());
      }
      int chunk = chunkSize(request);
      TensorRows rows = new TensorRows(ProtoTensorCodec.inputs(request));
      ModelInferRequest template = request.toBuilder().clearInputs().clearRawInputContents()
          .removeParameters(CHUNK_SIZE).build();
      stream = new Stream(call, template, rows, chunk, Context.current());
    } catch (RuntimeException e) {
      call.onError(ErrorMapping.grpcError(e));
      return;
    }
    stream.begin();
  }

  /** The request's chunk size, default {@value #DEFAULT_CHUNK_SIZE}. */
  static int chunkSize(ModelInferRequest request) {
    InferParameter p = request.getParametersMap().get(CHUNK_SIZE);
    if (p == null) {
      return DEFAULT_CHUNK_SIZE;
    }
    long size = switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> p.getUint64Param() < 0 ? -1 : p.getUint64Param();
      case STRING_PARAM -> {
        try {
          yield Long.parseLong(p.getStringParam().trim());
        } catch (NumberFormatException e) {
          yield -1;
        }
      }
      default -> -1;
    };
    if (size < 1 || size > MAX_CHUNK_SIZE) {
      throw new InvalidInputException("parameter '" + CHUNK_SIZE + "' must be an integer from 1"
          + " to " + MAX_CHUNK_SIZE + ", got " + p.toString().trim());
    }
    return (int) size;
  }

  /** One call: its rows, the chunk in flight or the answer waiting to be sent. */
  private final class Stream {
    private final ServerCallStreamObserver<byte[]> call;
    private final ModelInferRequest template;
    private final TensorRows rows;
    private final int chunk;
    private final Context context;
    private boolean inFlight;
    private byte[] pending;
    private boolean done;
    private boolean pumping;
    private boolean again;

    Stream(ServerCallStreamObserver<byte[]> call, ModelInferRequest template, TensorRows rows,
        int chunk, Context context) {
      this.call = call;
      this.template = template;
      this.rows = rows;
      this.chunk = chunk;
      this.context = context;
    }

    void begin() {
      call.setOnCancelHandler(() -> {
        synchronized (this) {
          done = true; // cancelled or past the deadline: nothing more is started or sent
        }
      });
      call.setOnReadyHandler(this::pump);
      pump();
    }

    /**
     * Sends the waiting answer and starts the next chunk while the call is ready; one thread
     * at a time runs the loop, and a chunk answered inline lets the loop go round again.
     */
    void pump() {
      synchronized (this) {
        if (pumping) {
          again = true; // the running loop looks once more before it stops
          return;
        }
        pumping = true;
      }
      while (true) {
        byte[] next;
        long offset;
        synchronized (this) {
          next = null;
          offset = rows.offset();
          try {
            next = step();
          } catch (RuntimeException e) {
            finish(e);
          }
          if (next == null) {
            if (again && !done) {
              again = false;
              continue;
            }
            pumping = false;
            again = false;
            return;
          }
          again = false;
        }
        byte[] request = next;
        context.run(() -> route.infer(request, new ChunkAnswer(offset)));
      }
    }

    /** Under the lock: the next chunk's request to start, or null when there is none now. */
    private byte[] step() {
      if (done || call.isCancelled()) {
        done = true;
        return null;
      }
      if (pending != null) {
        if (!call.isReady()) {
          return null; // onReady pumps again
        }
        call.onNext(pending);
        pending = null;
      }
      if (inFlight || !call.isReady()) {
        return null;
      }
      if (!rows.hasNext()) {
        done = true;
        call.onCompleted();
        return null;
      }
      List<Tensor> piece = rows.next(chunk);
      ModelInferRequest.Builder request = template.toBuilder();
      ProtoTensorCodec.encodeInputs(piece, request);
      inFlight = true;
      return request.build().toByteArray();
    }

    /**
     * Under the lock: ends the call with {@code error} (a chunk's status as the unary call gave
     * it, or a problem with the request found here) unless it already ended.
     */
    private void finish(Throwable error) {
      if (!done) {
        done = true;
        if (!call.isCancelled()) {
          call.onError(ErrorMapping.grpcError(error));
        }
      }
    }

    /** The unary answer of one chunk. */
    private final class ChunkAnswer implements StreamObserver<byte[]> {
      private final long offset;
      private byte[] answer;

      ChunkAnswer(long offset) {
        this.offset = offset;
      }

      @Override
      public void onNext(byte[] response) {
        // A repeated map field merges: the offset entry appended to the answer's own bytes.
        byte[] tail = ModelInferResponse.newBuilder().putParameters(OFFSET,
            InferParameter.newBuilder().setInt64Param(offset).build()).build().toByteArray();
        byte[] whole = new byte[response.length + tail.length];
        System.arraycopy(response, 0, whole, 0, response.length);
        System.arraycopy(tail, 0, whole, response.length, tail.length);
        answer = whole;
      }

      @Override
      public void onError(Throwable t) {
        synchronized (Stream.this) {
          inFlight = false;
          finish(t);
        }
      }

      @Override
      public void onCompleted() {
        synchronized (Stream.this) {
          inFlight = false;
          if (done) {
            return;
          }
          pending = answer;
        }
        pump();
      }
    }
  }
}
