/** Synthetic request workloads shared by the quickstart and the benchmarks (perf). */
package io.densemesh.workload;
