package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.runtime.error.UnavailableException;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The grouping rule of {@link GroupCommit} against an in-memory store with etcd's compare
 * semantics (version 0 = absent, else the key's mod revision): batching while a transaction is
 * in flight, every caller's own answer, the one-by-one fallback, and closing.
 */
class GroupCommitTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** etcd's put-if in memory: one revision per transaction; records each transaction's keys. */
  private static final class Store implements GroupCommit.Transaction {
    final Map<String, Long> modRevision = new HashMap<>();
    final Map<String, String> values = new HashMap<>();
    final List<List<String>> transactions = new CopyOnWriteArrayList<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile Predicate<List<GroupCommit.Put>> unreachable = puts -> false;
    long revision = 100;

    @Override
    public OptionalLong commit(List<GroupCommit.Put> puts) {
      transactions.add(puts.stream().map(p -> text(p.key())).toList());
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (unreachable.test(puts)) {
        throw new UnavailableException("store unreachable");
      }
      synchronized (this) {
        for (GroupCommit.Put p : puts) {
          long current = modRevision.getOrDefault(text(p.key()), 0L);
          if (current != p.expectedVersion()) {
            return OptionalLong.empty();
          }
        }
        revision++;
        for (GroupCommit.Put p : puts) {
          modRevision.put(text(p.key()), revision);
          values.put(text(p.key()), text(p.value()));
        }
        return OptionalLong.of(revision);
      }
    }
  }

  private final Store store = new Store();
  private final GroupCommit commits = new GroupCommit(store, 5_000);
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    commits.close();
    callers.shutdownNow();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  private Future<Optional<Long>> putLater(String key, String value, long expected) {
    return callers.submit(() -> commits.put(bytes(key), bytes(value), expected));
  }

  /** Holds the store in a first one-put transaction until {@code gate} opens. */
  private Future<Optional<Long>> blockStoreWith(String key) {
    int before = store.transactions.size();
    store.gate = new CountDownLatch(1);
    Future<Optional<Long>> blocker = putLater(key, "blocker", 0);
    await().atMost(WAIT).until(() -> store.transactions.size() == before + 1);
    return blocker;
  }

  @Test
  void aLonePutGoesOutAtOnceInItsOwnTransaction() {
    Optional<Long> version = commits.put(bytes("k"), bytes("v"), 0);

    assertThat(version).contains(101L);
    assertThat(store.transactions).containsExactly(List.of("k"));
  }

  @Test
  void putsArrivingWhileATransactionIsInFlightShareTheNextOne() throws Exception {
    Future<Optional<Long>> blocker = blockStoreWith("first");
    List<Future<Optional<Long>>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(putLater("k" + i, "v" + i, 0));
    }
    await().atMost(WAIT).until(() -> commits.queued() == 5);
    store.gate.countDown();

    assertThat(blocker.get()).contains(101L);
    for (Future<Optional<Long>> f : waiting) {
      assertThat(f.get()).as("one transaction, one revision for the group").contains(102L);
    }
    assertThat(store.transactions).hasSize(2);
    assertThat(store.transactions.get(1)).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4");
  }

  @Test
  void aFailedExpectationInAGroupGivesEachCallerItsOwnAnswer() throws Exception {
    long stale = commits.put(bytes("stale"), bytes("old"), 0).orElseThrow();
    commits.put(bytes("stale"), bytes("newer"), stale).orElseThrow();
    Future<Optional<Long>> blocker = blockStoreWith("first");
    Future<Optional<Long>> a = putLater("a", "1", 0);
    Future<Optional<Long>> lost = putLater("stale", "mine", stale);
    Future<Optional<Long>> b = putLater("b", "2", 0);
    await().atMost(WAIT).until(() -> commits.queued() == 3);
    store.gate.countDown();

    blocker.get();
    assertThat(a.get()).isPresent();
    assertThat(b.get()).isPresent();
    assertThat(lost.get()).as("only the stale put fails").isEmpty();
    assertThat(store.values).containsEntry("stale", "newer").containsEntry("a", "1")
        .containsEntry("b", "2");
    List<List<String>> afterGroup = store.transactions.subList(3, store.transactions.size());
    assertThat(afterGroup.get(0)).as("the group").hasSize(3);
    assertThat(afterGroup.subList(1, afterGroup.size())).as("then each put alone")
        .containsExactlyInAnyOrder(List.of("a"), List.of("stale"), List.of("b"));
  }

  @Test
  void aGroupTheStoreFailsIsRetriedOneByOneAndEachCallerGetsItsResult() throws Exception {
    Future<Optional<Long>> blocker = blockStoreWith("first");
    store.unreachable = puts -> puts.size() > 1 || text(puts.get(0).key()).equals("doomed");
    Future<Optional<Long>> a = putLater("a", "1", 0);
    Future<Optional<Long>> doomed = putLater("doomed", "x", 0);
    await().atMost(WAIT).until(() -> commits.queued() == 2);
    store.gate.countDown();

    blocker.get();
    assertThat(a.get()).isPresent();
    assertThatThrownBy(doomed::get).hasCauseInstanceOf(UnavailableException.class);
    assertThat(store.values).containsKey("a").doesNotContainKey("doomed");
  }

  @Test
  void oneKeyAppearsAtMostOncePerGroupSoRacingCreatesHaveOneWinner() throws Exception {
    Future<Optional<Long>> blocker = blockStoreWith("first");
    Future<Optional<Long>> one = putLater("same", "one", 0);
    await().atMost(WAIT).until(() -> commits.queued() == 1);
    Future<Optional<Long>> two = putLater("same", "two", 0);
    await().atMost(WAIT).until(() -> commits.queued() == 2);
    store.gate.countDown();

    blocker.get();
    assertThat(List.of(one.get().isPresent(), two.get().isPresent()))
        .containsExactlyInAnyOrder(true, false);
    for (List<String> transaction : store.transactions) {
      assertThat(new HashSet<>(transaction)).hasSameSizeAs(transaction);
    }
  }

  @Test
  void aGroupNeverExceedsTheTransactionLimit() throws Exception {
    Future<Optional<Long>> blocker = blockStoreWith("first");
    int n = GroupCommit.MAX_GROUP + 10;
    List<Future<Optional<Long>>> waiting = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      waiting.add(putLater("k" + i, "v", 0));
    }
    await().atMost(WAIT).until(() -> commits.queued() == n);
    store.gate.countDown();

    blocker.get();
    for (Future<Optional<Long>> f : waiting) {
      assertThat(f.get()).isPresent();
    }
    assertThat(store.transactions).allSatisfy(t ->
        assertThat(t.size()).isLessThanOrEqualTo(GroupCommit.MAX_GROUP));
    assertThat(store.transactions.stream().mapToInt(List::size).sum()).isEqualTo(n + 1);
  }

  @Test
  void closingFailsWaitingPutsAndRefusesNewOnes() throws Exception {
    Future<Optional<Long>> blocker = blockStoreWith("first");
    Future<Optional<Long>> waiting = putLater("late", "v", 0);
    await().atMost(WAIT).until(() -> commits.queued() == 1);

    commits.close();
    store.gate.countDown();

    assertThatThrownBy(waiting::get).hasCauseInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> commits.put(bytes("after"), bytes("v"), 0))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("closed");
    blocker.get(); // the transaction in flight still answers its caller
  }
}
