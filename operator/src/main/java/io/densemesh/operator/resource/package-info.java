/**
 * The custom resources the operator reads (KServe's and DenseMesh's), their API coordinates, and
 * typed access to their unstructured content. Parsing errors carry a field path and a reason.
 */
package io.densemesh.operator.resource;
