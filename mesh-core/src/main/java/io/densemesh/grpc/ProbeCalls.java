package io.densemesh.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Keeps probes off the request threads. A port's default executor is direct: each call's method
 * is found on the transport thread (a map lookup), and {@code grpc.health.v1.Health} is answered
 * right there (a map lookup too, no credentials), so a probe never queues behind inference. Every
 * other call moves to the port's bounded worker executor before its interceptors run.
 */
public final class ProbeCalls implements ServerCallExecutorSupplier {

  private static final Set<String> PROBES = Set.of(
      HealthGrpc.getCheckMethod().getFullMethodName(),
      HealthGrpc.getWatchMethod().getFullMethodName());

  private final Executor workers;

  /** @param workers where every call but a probe runs */
  public ProbeCalls(Executor workers) {
    this.workers = workers;
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    return PROBES.contains(call.getMethodDescriptor().getFullMethodName()) ? null : workers;
  }
}
