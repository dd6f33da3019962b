/** Prometheus metrics of a node (Micrometer) and the HTTP endpoint that serves them. */
package io.densemesh.metrics;
