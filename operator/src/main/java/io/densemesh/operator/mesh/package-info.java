/**
 * How the operator talks to the mesh: only through its gRPC management APIs
 * ({@code mmesh.ModelMesh} and {@code densemesh.v1.MeshAdmin}), reached at a fixed target or at a
 * runtime's Service found from the cluster.
 */
package io.densemesh.operator.mesh;
