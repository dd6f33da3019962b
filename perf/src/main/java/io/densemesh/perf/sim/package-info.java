/**
 * Trace-driven placement simulator: replays a request trace (synthetic or from a file) through a
 * simulated cluster that decides with the real {@code io.densemesh.placement} policies, on a
 * simulated clock, and compares policies on the same trace.
 */
package io.densemesh.perf.sim;
