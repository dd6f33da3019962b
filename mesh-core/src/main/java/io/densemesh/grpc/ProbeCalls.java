package io.densemesh.grpc;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Keeps probes off the request threads: a port's default executor only dispatches calls (finds
 * the method) and runs health and liveness/readiness checks, so those never queue behind
 * inference; every other call is moved to the port's worker executor. Under overload the workers'
 * queue fills with requests, but a probe waits at most behind other calls' dispatch, which is
 * microseconds each.
 */
public final class ProbeCalls implements ServerCallExecutorSupplier {

  private static final Set<String> PROBES = Set.of(
      HealthGrpc.getCheckMethod().getFullMethodName(),
      HealthGrpc.getWatchMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName());

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
