package io.densemesh.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.serving.Serving;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batching over a model that doubles its [n, 3] FP32 input; the runtime is a test double. */
class BatchingServingTest {

  static final String BATCHING = "{\"batching\":{\"max_batch_size\":4,"
      + "\"max_queue_delay_us\":1000000}}";
  static final ModelSpec MODEL = new ModelSpec("double", "fake", "/m", BATCHING);

  /** Doubles every element; fails a whole run that holds a -1 (a "poisoned" row). */
  static final class Doubler implements Serving {
    final List<Integer> runRows = new CopyOnWriteArrayList<>();
    final List<Thread> runThreads = new CopyOnWriteArrayList<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    final AtomicInteger waiting = new AtomicInteger();

    @Override
    public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
        Duration timeout) {
      waiting.incrementAndGet();
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Tensor x = inputs.get(0);
      runRows.add((int) x.dim(0));
      runThreads.add(Thread.currentThread());
      ByteBuffer in = x.data();
      ByteBuffer out = ByteBuffer.allocate(in.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      while (in.hasRemaining()) {
        float v = in.getFloat();
        if (v == -1f) {
          throw new InvalidInputException("poisoned row");
        }
        out.putFloat(v * 2);
      }
      out.flip();
      return List.of(new Tensor("y", DataType.FP32, x.shape(), out));
    }

    @Override
    public ModelMetadata metadata(ModelSpec model, Duration timeout) {
      return new ModelMetadata("fake", List.of(new TensorSpec("x", DataType.FP32,
          List.of(-1L, 3L))), List.of(new TensorSpec("y", DataType.FP32, List.of(-1L, 3L))));
    }

    @Override
    public boolean ready(ModelSpec model) {
      return true;
    }
  }

  final Doubler runtime = new Doubler();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService runner = Executors.newFixedThreadPool(2);
  final ExecutorService clients = Executors.newCachedThreadPool();
  final AtomicInteger batchedRuns = new AtomicInteger();
  final BatchingServing batching = new BatchingServing(runtime, new InputValidator(1 << 20),
      Optional.empty(), Duration.ofSeconds(10), runner, timer, System::nanoTime,
      n -> batchedRuns.addAndGet(n > 1 ? 1 : 0));

  @AfterEach
  void stop() {
    runtime.gate.countDown();
    timer.shutdownNow();
    runner.shutdownNow();
    clients.shutdownNow();
  }

  static List<Tensor> row(float value) {
    return rows(value, 1);
  }

  static List<Tensor> rows(float value, int n) {
    ByteBuffer b = ByteBuffer.allocate(n * 12).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n * 3; i++) {
      b.putFloat(value + i);
    }
    b.flip();
    return List.of(new Tensor("x", DataType.FP32, new long[] {n, 3}, b));
  }

  static float[] values(List<Tensor> outputs) {
    ByteBuffer b = outputs.get(0).data();
    float[] v = new float[b.remaining() / 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = b.getFloat();
    }
    return v;
  }

  Future<List<Tensor>> send(List<Tensor> inputs, Duration timeout) {
    return clients.submit(() -> batching.infer(MODEL, inputs, Set.of(), timeout));
  }

  /** Holds the model busy with one request so that the next ones queue. */
  Future<List<Tensor>> occupy() {
    runtime.gate = new CountDownLatch(1);
    Future<List<Tensor>> first = send(row(0), null);
    // The first request is on its way into the model (it waits at the gate inside it).
    await().atMost(Duration.ofSeconds(5)).until(() -> runtime.waiting.get() == 1);
    return first;
  }

  @Test
  void anIdleModelRunsARequestAtOnceOnTheCallersThread() throws Exception {
    Thread[] caller = new Thread[1];
    List<Tensor> out = clients.submit(() -> {
      caller[0] = Thread.currentThread();
      return batching.infer(MODEL, row(1), Set.of(), null);
    }).get(5, TimeUnit.SECONDS);
    assertThat(values(out)).containsExactly(2, 4, 6);
    assertThat(runtime.runThreads).containsExactly(caller[0]);
  }

  @Test
  void queuedRequestsRunTogetherAndEachGetsItsOwnRows() throws Exception {
    Future<List<Tensor>> first = occupy();
    List<Future<List<Tensor>>> queued = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      queued.add(send(rows(i * 10, i % 2 + 1), null));
    }
    // Four queued rows make a full batch: it is taken off the queue and waits in the model too.
    await().atMost(Duration.ofSeconds(5)).until(() -> runtime.waiting.get() == 2);
    runtime.gate.countDown();
    assertThat(values(first.get(5, TimeUnit.SECONDS))).containsExactly(0, 2, 4);
    for (int i = 1; i <= 5; i++) {
      float[] v = values(queued.get(i - 1).get(5, TimeUnit.SECONDS));
      assertThat(v).hasSize((i % 2 + 1) * 3);
      for (int k = 0; k < v.length; k++) {
        assertThat(v[k]).isEqualTo((i * 10 + k) * 2);
      }
    }
    assertThat(batchedRuns.get()).isPositive();
    assertThat(runtime.runRows).allMatch(r -> r <= 4);
  }

  @Test
  void aBadRequestFailsAloneAndAFailingBatchIsRetriedRequestByRequest() throws Exception {
    Future<List<Tensor>> first = occupy();
    Future<List<Tensor>> good = send(row(5), null);
    Future<List<Tensor>> poisoned = send(row(-1), null);
    Future<List<Tensor>> alsoGood = send(row(7), null);
    assertThatThrownBy(() -> batching.infer(MODEL, List.of(new Tensor("x", DataType.FP32,
        new long[] {1, 4}, ByteBuffer.allocate(16))), Set.of(), null))
        .isInstanceOf(InvalidInputException.class);
    runtime.gate.countDown();
    first.get(5, TimeUnit.SECONDS);
    assertThat(values(good.get(5, TimeUnit.SECONDS))).containsExactly(10, 12, 14);
    assertThat(values(alsoGood.get(5, TimeUnit.SECONDS))).containsExactly(14, 16, 18);
    assertThatThrownBy(() -> poisoned.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidInputException.class);
  }

  @Test
  void aRequestWhoseDeadlinePassesInTheQueueIsNeverRun() throws Exception {
    Future<List<Tensor>> first = occupy();
    Future<List<Tensor>> late = send(row(42), Duration.ofMillis(50));
    assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(DeadlineExceededException.class);
    runtime.gate.countDown();
    first.get(5, TimeUnit.SECONDS);
    // Another request after the first: when it has run, the expired one would have run before.
    assertThat(values(send(row(3), null).get(5, TimeUnit.SECONDS))).containsExactly(6, 8, 10);
    assertThat(runtime.runRows).hasSize(2); // the first and the last: the expired one never ran
  }

  @Test
  void theQueueIsBoundedAndRefusesBeyondIt() throws Exception {
    Future<List<Tensor>> first = occupy();
    List<Future<List<Tensor>>> queued = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      queued.add(send(row(i), null));
    }
    // Every request has been queued, refused, or taken into the second run (4 rows).
    await().atMost(Duration.ofSeconds(10)).until(() -> runtime.waiting.get() == 2
        && batching.queued(MODEL.modelId()) + queued.stream().filter(Future::isDone).count()
        + 4 == 80);
    runtime.gate.countDown();
    first.get(5, TimeUnit.SECONDS);
    int refused = 0;
    for (Future<List<Tensor>> f : queued) {
      try {
        f.get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(OverloadedException.class);
        refused++;
      }
    }
    // One run holds the model, a second (4 rows) waits for it, 16 batches' worth (64 rows)
    // may queue: of 80 requests, the other 12 were refused.
    assertThat(refused).isGreaterThanOrEqualTo(80 - 4 - 64);
  }

  @Test
  void modelsWithoutAPolicyOrWithAFixedFirstDimensionGoStraightThrough() {
    ModelSpec plain = new ModelSpec("plain", "fake", "/m", "");
    assertThat(values(batching.infer(plain, row(1), Set.of(), null))).containsExactly(2, 4, 6);
    assertThat(batching.policyOf(plain)).isEmpty();
    assertThatThrownBy(() -> batching.policyOf(new ModelSpec("bad", "fake", "/m",
        "{\"batching\":{\"max_batch_size\":1}}"))).isInstanceOf(InvalidInputException.class);
  }
}
