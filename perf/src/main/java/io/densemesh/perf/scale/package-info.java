/**
 * The scale benchmark ({@code ./densemesh bench-scale}): etcd and three node processes with a
 * large number of registered models, measuring what each node pays per registered model.
 */
package io.densemesh.perf.scale;
