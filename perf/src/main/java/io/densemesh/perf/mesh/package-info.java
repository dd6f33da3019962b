/**
 * The mesh benchmark ({@code ./densemesh bench-mesh}): forwarding hop, registration throughput
 * and heap per registered model, watch propagation, and cache-miss overhead, on real nodes and a
 * real etcd on loopback.
 */
package io.densemesh.perf.mesh;
