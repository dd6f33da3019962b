/**
 * The gRPC endpoints: {@code inference.GRPCInferenceService} (KServe V2) and {@code mmesh.ModelMesh},
 * thin adapters over {@link io.densemesh.serving}; plus the interceptors for ModelMesh's routing
 * headers and per-call metrics.
 */
package io.densemesh.grpc;
