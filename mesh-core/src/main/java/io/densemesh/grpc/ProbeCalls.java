package io.densemesh.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Chooses where a call runs. A port's default executor is direct: each call's method is found on
 * the transport thread (a map lookup), and {@code grpc.health.v1.Health} is answered right there
 * (a map lookup too, no credentials), so a probe never queues behind inference. The methods named
 * as non-blocking ({@link io.densemesh.grpc.InferenceRouting#TRANSPORT_METHODS}: routed and
 * forwarded right there, moved to the workers only to be served here or when routing may block)
 * stay on the transport thread too. Every other call moves to the port's bounded worker executor
 * before its interceptors run.
 */
public final class ProbeCalls implements ServerCallExecutorSupplier {

  private static final Set<String> PROBES = Set.of(
      HealthGrpc.getCheckMethod().getFullMethodName(),
      HealthGrpc.getWatchMethod().getFullMethodName());

  private final Executor workers;
  private final Set<String> onTransport;

  /** @param workers where every call but a probe runs */
  public ProbeCalls(Executor workers) {
    this(workers, Set.of());
  }

  /**
   * @param workers where every call but a probe or one of {@code nonBlocking} runs
   * @param nonBlocking full names of methods whose handlers never block (they move blocking
   *     work to a worker themselves)
   */
  public ProbeCalls(Executor workers, Set<String> nonBlocking) {
    this.workers = workers;
    this.onTransport = Set.copyOf(nonBlocking);
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    String method = call.getMethodDescriptor().getFullMethodName();
    return PROBES.contains(method) || onTransport.contains(method) ? null : workers;
  }
}
