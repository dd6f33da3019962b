package io.densemesh.remote;

import io.densemesh.api.mmesh.LoadModelRequest;
import io.densemesh.api.mmesh.RuntimeStatusRequest;
import io.densemesh.api.mmesh.UnloadModelRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the SPI calls a runtime server receives: "status", "load:id", "unload:id". */
final class CallLog implements ServerInterceptor {

  final List<String> calls = new CopyOnWriteArrayList<>();

  long count(String call) {
    return calls.stream().filter(call::equals).count();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof LoadModelRequest load) {
          calls.add("load:" + load.getModelId());
        } else if (message instanceof UnloadModelRequest unload) {
          calls.add("unload:" + unload.getModelId());
        } else if (message instanceof RuntimeStatusRequest) {
          calls.add("status");
        }
        super.onMessage(message);
      }
    };
  }
}
