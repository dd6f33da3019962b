/** The one place where DenseMesh's typed errors become gRPC statuses and HTTP codes. */
package io.densemesh.errors;
