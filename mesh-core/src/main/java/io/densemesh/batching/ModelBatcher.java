package io.densemesh.batching;

import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.serving.Serving;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The batching queue of one model. A request that finds the model idle (nothing queued, nothing
 * running) runs at once on its own thread: batching never taxes the idle path. Otherwise it
 * queues; the queue is flushed into one run when it holds a full or preferred batch, when the
 * oldest request has waited {@link BatchPolicy#maxQueueDelay}, or when a run finishes, with at
 * most {@link #MAX_RUNS} runs of the model at once. A flush
 * takes, from the head, the requests whose {@link TensorBatch.Signature} matches the oldest one,
 * up to the batch size; the others wait for the next flush. Requests whose caller gave up
 * (cancelled, or past their deadline) are dropped at the flush, never run.
 */
final class ModelBatcher {

  /** Runs of one model at once at most (the one filling waits for one to finish). */
  static final int MAX_RUNS = 2;

  /** One waiting request. */
  static final class Pending {
    final List<Tensor> inputs;
    final Set<String> outputs;
    final TensorBatch.Signature signature;
    final int rows;
    final long deadlineNanos;
    final CompletableFuture<List<Tensor>> result = new CompletableFuture<>();

    Pending(List<Tensor> inputs, Set<String> outputs, TensorBatch.Signature signature, int rows,
        long deadlineNanos) {
      this.inputs = inputs;
      this.outputs = outputs;
      this.signature = signature;
      this.rows = rows;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final ModelSpec model;
  private final BatchPolicy policy;
  private final Serving delegate;
  private final Executor runner;
  private final ScheduledExecutorService timer;
  private final LongSupplier nanoTime;
  private final java.util.function.IntConsumer runs;
  private final int maxQueuedRows;

  private final Object lock = new Object();
  private final Deque<Pending> queue = new ArrayDeque<>();
  private int queuedRows;
  private int running;
  private ScheduledFuture<?> flushTimer;
  /** False once the model's outputs proved not splittable by rows: every request runs alone. */
  private volatile boolean splittable = true;

  /** @param runs told the number of requests of every batched run */
  ModelBatcher(ModelSpec model, BatchPolicy policy, Serving delegate, Executor runner,
      ScheduledExecutorService timer, LongSupplier nanoTime, java.util.function.IntConsumer runs) {
    this.runs = runs;
    this.model = model;
    this.policy = policy;
    this.delegate = delegate;
    this.runner = runner;
    this.timer = timer;
    this.nanoTime = nanoTime;
    this.maxQueuedRows = policy.maxBatchSize() * 16;
  }

  BatchPolicy policy() {
    return policy;
  }

  ModelSpec model() {
    return model;
  }

  boolean splittable() {
    return splittable;
  }

  /**
   * Queues (or runs at once) a request; the result completes with its outputs.
   *
   * @throws OverloadedException when the queue already holds 16 batches' worth of rows
   */
  void submit(Pending p) {
    boolean alone;
    List<Pending> flush = null;
    synchronized (lock) {
      alone = running == 0 && queue.isEmpty();
      if (alone) {
        running++;
      } else {
        if (queuedRows + p.rows > maxQueuedRows) {
          throw new OverloadedException("model '" + model.modelId() + "' has "
              + queuedRows + " rows waiting to be batched", policy.maxQueueDelay()
              .plusMillis(10));
        }
        queue.add(p);
        queuedRows += p.rows;
        if (policy.full(headRows())) {
          flush = takeForRunLocked();
        } else if (flushTimer == null) {
          scheduleLocked();
        }
      }
    }
    if (alone) {
      try {
        run(List.of(p));
      } finally {
        finished();
      }
    } else if (flush != null) {
      execute(flush);
    }
  }

  /** Rows of the queued requests that could join the head's batch. */
  private int headRows() {
    Pending head = queue.peek();
    int rows = 0;
    for (Pending q : queue) {
      if (q.signature.equals(head.signature)) {
        rows += q.rows;
      }
    }
    return rows;
  }

  private void scheduleLocked() {
    flushTimer = timer.schedule(this::flushFromTimer,
        Math.max(1, policy.maxQueueDelay().toNanos()), TimeUnit.NANOSECONDS);
  }

  private void flushFromTimer() {
    List<Pending> flush;
    synchronized (lock) {
      flushTimer = null;
      flush = takeForRunLocked();
    }
    if (flush != null) {
      execute(flush);
    }
  }

  /**
   * The next batch to run, taken off the queue, or null when there is none or the model already
   * has {@link #MAX_RUNS} runs going (the next one starts when one of them finishes).
   */
  private List<Pending> takeForRunLocked() {
    if (queue.isEmpty() || running >= MAX_RUNS) {
      return null;
    }
    if (flushTimer != null) {
      flushTimer.cancel(false);
      flushTimer = null;
    }
    List<Pending> batch = takeLocked();
    if (!queue.isEmpty()) {
      scheduleLocked();
    }
    if (batch.isEmpty()) {
      return null;
    }
    running++;
    return batch;
  }

  /** Runs a taken batch on the runner (outside the lock: the runner may run it right here). */
  private void execute(List<Pending> batch) {
    runner.execute(() -> {
      try {
        run(batch);
      } finally {
        finished();
      }
    });
  }

  private List<Pending> takeLocked() {
    List<Pending> batch = new ArrayList<>();
    TensorBatch.Signature signature = null;
    int rows = 0;
    long now = nanoTime.getAsLong();
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending q = it.next();
      if (q.result.isDone() || now - q.deadlineNanos >= 0) {
        it.remove(); // the caller gave up: never run it
        queuedRows -= q.rows;
        q.result.completeExceptionally(new DeadlineExceededException(
            "request for model '" + model.modelId() + "' expired while waiting for its batch"));
        continue;
      }
      if (signature == null) {
        signature = q.signature;
      } else if (!q.signature.equals(signature) || rows + q.rows > policy.maxBatchSize()) {
        continue;
      }
      it.remove();
      queuedRows -= q.rows;
      rows += q.rows;
      batch.add(q);
      if (rows >= policy.maxBatchSize()) {
        break;
      }
    }
    return batch;
  }

  private void finished() {
    List<Pending> flush;
    synchronized (lock) {
      running--;
      flush = takeForRunLocked();
    }
    if (flush != null) {
      execute(flush);
    }
  }

  /** Runs a batch: one run for all, or each alone when the batch cannot be run together. */
  private void run(List<Pending> batch) {
    if (batch.size() == 1 || !splittable) {
      batch.forEach(this::runAlone);
      return;
    }
    int[] rows = new int[batch.size()];
    List<List<Tensor>> inputs = new ArrayList<>(batch.size());
    long deadline = Long.MAX_VALUE;
    for (int i = 0; i < rows.length; i++) {
      Pending p = batch.get(i);
      rows[i] = p.rows;
      inputs.add(p.inputs);
      deadline = Math.min(deadline, p.deadlineNanos);
    }
    List<List<Tensor>> outputs;
    try {
      List<Tensor> all = delegate.infer(model, TensorBatch.concat(inputs),
          batch.get(0).outputs, remaining(deadline));
      outputs = TensorBatch.split(all, rows);
    } catch (TensorBatch.NotSplittable e) {
      splittable = false;
      batch.forEach(this::runAlone);
      return;
    } catch (RuntimeException e) {
      // One bad request must not fail the others: each runs alone and gets its own answer.
      batch.forEach(this::runAlone);
      return;
    }
    runs.accept(batch.size());
    for (int i = 0; i < rows.length; i++) {
      batch.get(i).result.complete(outputs.get(i));
    }
  }

  private void runAlone(Pending p) {
    if (p.result.isDone()) {
      return;
    }
    try {
      List<Tensor> outputs = delegate.infer(model, p.inputs, p.outputs,
          remaining(p.deadlineNanos));
      runs.accept(1);
      p.result.complete(outputs);
    } catch (RuntimeException e) {
      p.result.completeExceptionally(e);
    }
  }

  private Duration remaining(long deadlineNanos) {
    long left = deadlineNanos - nanoTime.getAsLong();
    if (left <= 0) {
      throw new DeadlineExceededException("request for model '" + model.modelId()
          + "' expired before it ran");
    }
    return Duration.ofNanos(left);
  }

  /** Requests waiting now (for tests). */
  int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }
}
