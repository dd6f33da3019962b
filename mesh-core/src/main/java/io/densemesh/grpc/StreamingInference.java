package io.densemesh.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelStreamInferResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Triton's {@code ModelStreamInfer} over the mesh: every request message on the stream is routed
 * on its own, exactly as a unary {@code ModelInfer} (so one stream may carry requests for models
 * held on different nodes), and answered by one {@code ModelStreamInferResponse} as soon as it is
 * done: {@code infer_response} with the answer's bytes untouched, or {@code error_message}, which
 * never ends the stream. Flow control: at most {@link #WINDOW} requests of one stream are in
 * flight; more are read from the client only as answers go out, so a fast client cannot make the
 * node buffer its stream.
 */
final class StreamingInference {

  /** Requests of one stream in flight at most. */
  static final int WINDOW = 32;

  /** Serves one request message, answering on {@code out} (unary semantics). */
  @FunctionalInterface
  interface Handler {
    void handle(byte[] request, StreamObserver<byte[]> out);
  }

  private StreamingInference() {}

  /** The inbound side of a new stream whose answers go to {@code responses}. */
  static StreamObserver<byte[]> open(StreamObserver<byte[]> responses, Handler handler) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
    call.disableAutoRequest();
    Stream stream = new Stream(call, handler);
    call.request(WINDOW);
    return stream;
  }

  private static final class Stream implements StreamObserver<byte[]> {
    private final ServerCallStreamObserver<byte[]> call;
    private final Handler handler;
    private int inFlight;
    private boolean halfClosed;
    private boolean ended;

    Stream(ServerCallStreamObserver<byte[]> call, Handler handler) {
      this.call = call;
      this.handler = handler;
    }

    @Override
    public void onNext(byte[] request) {
      synchronized (this) {
        inFlight++;
      }
      handler.handle(request, new StreamObserver<>() {
        private boolean answered;

        @Override
        public void onNext(byte[] response) {
          answer(inferResponse(response));
          answered = true;
        }

        @Override
        public void onError(Throwable t) {
          Status status = Status.fromThrowable(t);
          String message = status.getDescription() == null ? status.getCode().name()
              : status.getDescription();
          answer(errorMessage(message, request));
          answered = true;
          done();
        }

        @Override
        public void onCompleted() {
          if (answered) {
            done();
          }
        }
      });
    }

    private synchronized void answer(byte[] message) {
      if (!ended && !call.isCancelled()) {
        call.onNext(message);
      }
    }

    private void done() {
      boolean finish;
      synchronized (this) {
        inFlight--;
        finish = halfClosed && inFlight == 0 && !ended;
        if (finish) {
          ended = true;
        }
      }
      if (finish) {
        call.onCompleted();
      } else if (!call.isCancelled()) {
        call.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        ended = true; // the client cancelled or failed: nothing more is sent
      }
    }

    @Override
    public void onCompleted() {
      boolean finish;
      synchronized (this) {
        halfClosed = true;
        finish = inFlight == 0 && !ended;
        if (finish) {
          ended = true;
        }
      }
      if (finish) {
        call.onCompleted();
      }
    }
  }

  /** {@code ModelStreamInferResponse{infer_response = <the answer's bytes>}}, no re-encoding. */
  static byte[] inferResponse(byte[] inferResponse) {
    return field(2, inferResponse);
  }

  /**
   * {@code ModelStreamInferResponse{error_message}}, with an {@code infer_response} carrying only
   * the failed request's id, model name and version so that a client can tell which request
   * failed (answers come as requests finish, not in order).
   */
  static byte[] errorMessage(String message, byte[] request) {
    ModelStreamInferResponse.Builder response = ModelStreamInferResponse.newBuilder()
        .setErrorMessage(message);
    try {
      ModelInferRequest failed = ModelInferRequest.parseFrom(request);
      response.setInferResponse(ModelInferResponse.newBuilder().setId(failed.getId())
          .setModelName(failed.getModelName()).setModelVersion(failed.getModelVersion()));
    } catch (InvalidProtocolBufferException malformed) {
      // nothing to correlate with: the message alone
    }
    return response.build().toByteArray();
  }

  private static byte[] field(int number, byte[] payload) {
    byte[] out = new byte[CodedOutputStream.computeByteArraySize(number, payload)];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeByteArray(number, payload);
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
