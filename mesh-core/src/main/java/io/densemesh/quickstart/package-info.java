/**
 * {@code densemesh quickstart}: a newcomer's two-minute tour. Generates per-tenant ONNX models,
 * starts a node, registers them over the ModelMesh API and drives Zipf-skewed traffic over gRPC,
 * checking every answer against the tenant's own weights.
 */
package io.densemesh.quickstart;
