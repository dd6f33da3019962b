/**
 * Dynamic batching: requests to one model whose inputs agree except on the first dimension are
 * concatenated, run once and their outputs split back ({@link io.densemesh.batching.BatchingServing}).
 */
package io.densemesh.batching;
