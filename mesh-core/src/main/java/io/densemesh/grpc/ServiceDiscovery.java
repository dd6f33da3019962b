package io.densemesh.grpc;

import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;

/**
 * What a stock tool needs to talk to a port with no proto files at hand: the health service and
 * server reflection in both versions in use ({@code grpc.reflection.v1} and the older
 * {@code v1alpha} that many {@code grpcurl} builds and IDE plugins still ask for). Reflection lists
 * exactly the services registered on the server it is added to.
 */
public final class ServiceDiscovery {

  private ServiceDiscovery() {}

  /** Adds health and reflection to a server being built for the client port. */
  @SuppressWarnings("deprecation") // v1alpha reflection: deprecated upstream, still widely used
  public static <T extends ServerBuilder<T>> T addTo(T server, ServingHealth health) {
    return server.addService(health.service())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance());
  }
}
