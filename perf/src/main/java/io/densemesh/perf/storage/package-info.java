/**
 * Model storage benchmark: cold load times from local disk, from S3 on loopback and from the
 * artifact disk cache, and the latency of a hot model while those loads run.
 */
package io.densemesh.perf.storage;
