/**
 * The serving-path latency benchmark: the same model measured (a) as a plain in-process
 * {@code OrtSession} call, (b) behind a bare grpc-java server that calls ORT directly, and (c)
 * through a DenseMesh node (local hit), in one run, reported as ratios.
 */
package io.densemesh.perf.latency;
