/**
 * ServingRuntime and ClusterServingRuntime onto DenseMesh nodes: the runtime catalog a namespace
 * sees, the desired Deployment and Service of each multi-model runtime (pure functions), and the
 * controller that diffs and applies them.
 */
package io.densemesh.operator.runtime;
