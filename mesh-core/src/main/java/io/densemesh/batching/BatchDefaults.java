package io.densemesh.batching;

import io.densemesh.config.BatchingSettings;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The node-level pieces of batching: its default policy and the pool that runs batches. */
public final class BatchDefaults {

  private BatchDefaults() {}

  /** The node's default policy from its flags (empty: off). */
  public static Optional<BatchPolicy> of(BatchingSettings settings) {
    return settings.enabled()
        ? Optional.of(new BatchPolicy(settings.maxBatchSize(), settings.maxQueueDelay(),
            List.of()))
        : Optional.empty();
  }

  /**
   * Runs flushed batches: as many threads as cores (a batch keeps a core busy), a bounded queue,
   * and, when that is full, the flushing thread runs the batch itself (never a growing queue).
   */
  public static ExecutorService runner() {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(1024), r -> {
          Thread t = new Thread(r, "batch-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
  }
}
