package io.densemesh.grpc;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code grpc.health.v1.Health} for the client port, per service and for the server as a whole
 * (the empty service name), so Kubernetes gRPC probes and {@code grpc_health_probe} work. Every
 * service is NOT_SERVING until the node is ready (registry open, servers bound), SERVING while it
 * takes requests, and NOT_SERVING again from the moment it starts draining: load balancers and
 * probes stop sending new work while requests already routed here still finish.
 */
public final class ServingHealth {

  private final HealthStatusManager manager = new HealthStatusManager();
  private final List<String> services;

  /** @param services the fully qualified names of the services the port serves */
  public ServingHealth(List<String> services) {
    List<String> all = new ArrayList<>(services);
    all.add(HealthStatusManager.SERVICE_NAME_ALL_SERVICES);
    this.services = List.copyOf(all);
    set(ServingStatus.NOT_SERVING);
  }

  /** The service to add to the gRPC server. */
  public BindableService service() {
    return manager.getHealthService();
  }

  /** The node is ready to take requests. */
  public void serving() {
    set(ServingStatus.SERVING);
  }

  /** The node drains or stops: probes see NOT_SERVING from now on, whatever happens next. */
  public void stopServing() {
    set(ServingStatus.NOT_SERVING);
    manager.enterTerminalState();
  }

  private void set(ServingStatus status) {
    for (String service : services) {
      manager.setStatus(service, status);
    }
  }
}
