package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {

  private final KeyedLocks locks = new KeyedLocks();

  @Test
  void holdsNoKeyAfter100kDistinctKeysWereLockedAndReleased() {
    for (int i = 0; i < 100_000; i++) {
      try (KeyedLocks.Held held = locks.lock("key-" + i)) {
        assertThat(locks.size()).isEqualTo(1);
      }
    }
    assertThat(locks.size()).isZero();
  }

  @Test
  void aSecondHolderOfTheSameKeyWaitsAndTheKeyStaysUntilBothAreDone() throws Exception {
    KeyedLocks.Held first = locks.lock("k");
    AtomicBoolean secondHeld = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Thread second = new Thread(() -> {
      try (KeyedLocks.Held held = locks.lock("k")) {
        secondHeld.set(true);
      }
      done.countDown();
    });
    second.start();
    assertThat(done.await(200, TimeUnit.MILLISECONDS)).as("blocked behind the first").isFalse();
    assertThat(secondHeld).isFalse();
    assertThat(locks.size()).isEqualTo(1);
    first.close();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(secondHeld).isTrue();
    assertThat(locks.size()).isZero();
  }
}
