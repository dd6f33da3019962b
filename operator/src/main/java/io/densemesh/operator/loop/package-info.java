/**
 * The reconcile loop's mechanism: a per-controller work queue that de-duplicates keys, runs one
 * reconcile at a time, requeues on request and retries failures (API conflicts, an unreachable
 * mesh) with exponential backoff.
 */
package io.densemesh.operator.loop;
