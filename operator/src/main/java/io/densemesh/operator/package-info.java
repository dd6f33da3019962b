/** The DenseMesh Kubernetes operator: entry point, configuration and wiring. */
package io.densemesh.operator;
