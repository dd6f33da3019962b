package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.runtime.error.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RestWorkersTest {

  @Test
  void admitsThreadsPlusQueueThenRefusesAtOnceAndAdmitsAgainWhenWorkEnds() throws Exception {
    RestWorkers workers = new RestWorkers(2, 3);
    CountDownLatch hold = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    try {
      List<RestWorkers.Permit> permits = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        permits.add(workers.admit());
      }
      assertThat(workers.admitted()).isEqualTo(5);
      assertThatThrownBy(workers::admit).isInstanceOf(OverloadedException.class)
          .hasMessageContaining("limit of 2 running and 3 waiting")
          .satisfies(e -> assertThat(((OverloadedException) e).retryAfter())
              .isEqualTo(Duration.ofSeconds(1)));
      for (RestWorkers.Permit p : permits) {
        p.run(() -> {
          try {
            hold.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          done.incrementAndGet();
        });
      }
      assertThatThrownBy(workers::admit).isInstanceOf(OverloadedException.class);
      hold.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> workers.admitted() == 0);
      assertThat(done.get()).isEqualTo(5);
      workers.admit().release();
      assertThat(workers.admitted()).isZero();
    } finally {
      hold.countDown();
      workers.close();
    }
  }

  @Test
  void aPermitIsReleasedOnceWhateverHappens() {
    RestWorkers workers = new RestWorkers(1, 0);
    try {
      RestWorkers.Permit permit = workers.admit();
      permit.release();
      permit.release();
      assertThat(workers.admitted()).isZero();
      workers.admit();
      assertThatThrownBy(workers::admit).as("a double release must not make room")
          .isInstanceOf(OverloadedException.class);
    } finally {
      workers.close();
    }
  }

  @Test
  void workAfterShutdownIsRefusedAndFreesItsPlace() {
    RestWorkers workers = new RestWorkers(1, 1);
    RestWorkers.Permit permit = workers.admit();
    workers.shutdown(Duration.ofSeconds(1));
    assertThatThrownBy(() -> permit.run(() -> { })).isInstanceOf(OverloadedException.class)
        .hasMessageContaining("shutting down");
    assertThat(workers.admitted()).isZero();
  }
}
