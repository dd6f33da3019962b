/**
 * The forwarding-hop benchmark ({@code ./densemesh bench-hop}): a floor server, a holder and a
 * forwarding node as separate processes on a real etcd, driven by an external Python grpcio
 * client, as a user's client sees the mesh.
 */
package io.densemesh.perf.hop;
