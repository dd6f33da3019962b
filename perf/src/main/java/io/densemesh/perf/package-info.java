/** Benchmarks, load generators and the placement simulator; never part of the serving node. */
package io.densemesh.perf;
