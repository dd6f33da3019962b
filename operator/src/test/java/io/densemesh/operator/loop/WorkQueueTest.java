package io.densemesh.operator.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(5));

  @Test
  void failedReconcilesAreRetriedUntilTheySucceed() {
    AtomicInteger calls = new AtomicInteger();
    try (WorkQueue<String> queue = new WorkQueue<>("t", key -> {
      if (calls.incrementAndGet() < 3) {
        throw new IllegalStateException("409 conflict");
      }
      return Optional.empty();
    }, FAST)) {
      queue.add("a");
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 3);
    }
  }

  @Test
  void keysAddedWhileWaitingCoalesce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (WorkQueue<String> queue = new WorkQueue<>("t", key -> {
      seen.add(key);
      if (key.equals("block")) {
        release.await(10, TimeUnit.SECONDS);
      }
      return Optional.empty();
    }, FAST)) {
      queue.add("block");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("block"));
      for (int i = 0; i < 50; i++) {
        queue.add("b"); // the worker is busy: all of these wait as one
      }
      release.countDown();
      queue.add("end");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("end"));
    }
    assertThat(seen).containsExactly("block", "b", "end");
  }

  @Test
  void requeuesWhenTheHandlerAsks() {
    AtomicInteger calls = new AtomicInteger();
    try (WorkQueue<String> queue = new WorkQueue<>("t", key -> calls.incrementAndGet() < 3
        ? Optional.of(Duration.ofMillis(1)) : Optional.empty(), FAST)) {
      queue.add("poll");
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 3);
    }
  }
}
