/**
 * Admission control: how much work a node takes on before it refuses fast with
 * RESOURCE_EXHAUSTED / 429 (a node-wide limit on requests in flight, {@link
 * io.densemesh.admission.AdmittedServing}), and how forward retries are paced and budgeted so
 * a dead peer cannot multiply the mesh's load ({@link io.densemesh.admission.RetryBudget},
 * {@link io.densemesh.admission.RetryBackoff}). The per-model bound on callers waiting for a load
 * lives with the loads themselves, in {@link io.densemesh.cache.ModelCache}.
 */
package io.densemesh.admission;
