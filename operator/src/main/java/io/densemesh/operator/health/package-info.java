/** The operator's liveness and readiness endpoint, for the kubelet's probes. */
package io.densemesh.operator.health;
