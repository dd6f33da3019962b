/**
 * The node's local model cache: which models are resident, single-flight loading, the memory
 * budget and eviction (decided by a {@code placement} policy), and leases that keep a model from
 * being unloaded while a request uses it.
 */
package io.densemesh.cache;
