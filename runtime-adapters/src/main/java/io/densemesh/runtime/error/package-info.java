/**
 * The typed errors of DenseMesh. One sealed hierarchy shared by the node and its runtimes; the
 * node maps each type to a gRPC status and an HTTP code in exactly one place.
 */
package io.densemesh.runtime.error;
