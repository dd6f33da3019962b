/**
 * The soak benchmark ({@code ./densemesh bench-soak}): a three-node mesh on a real etcd under
 * Zipf traffic, registrations and scheduled faults, reporting memory growth per node, failures
 * outside each fault's recovery window, wrong answers and lost registrations.
 */
package io.densemesh.perf.soak;
