package io.densemesh.registry;

import io.densemesh.runtime.error.UnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compare-and-set puts committed in groups: while one etcd transaction is in flight, the puts
 * that arrive queue up, and the next transaction carries all of them (each with its own compare).
 * etcd then writes and syncs its log once for the group instead of once per put, so concurrent
 * registrations are no longer bound by the disk's sync rate. No put waits for a timer: a lone put
 * goes out at once.
 *
 * <p>A group transaction succeeds only if every compare holds. When it does not, each put of the
 * group is retried alone, so every caller gets exactly its own answer: the new version, or empty
 * when its own expectation failed. One key appears at most once per group.
 *
 * <p>The store is reached through {@link Transaction} (etcd in production, an in-memory one in
 * {@code GroupCommitTest}), so the grouping rule is tested without etcd.
 */
final class GroupCommit implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

  /** Below etcd's default --max-txn-ops (128): each put is one compare and one operation. */
  static final int MAX_GROUP = 64;

  record Put(ByteSequence key, ByteSequence value, long expectedVersion,
      CompletableFuture<Optional<Long>> result) {

    Cmp expectation() {
      return expectedVersion == 0
          ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
          : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion));
    }

    Op operation() {
      return Op.put(key, value, PutOption.DEFAULT);
    }
  }

  /** One all-or-nothing write of several puts. */
  @FunctionalInterface
  interface Transaction {

    /**
     * Writes every put if every put's expectation holds.
     *
     * @return the store's revision after the write, or empty when an expectation failed (then
     *     nothing was written)
     * @throws RuntimeException when the store cannot be reached (UnavailableException)
     */
    OptionalLong commit(List<Put> puts);
  }

  private final LinkedBlockingQueue<Put> queue = new LinkedBlockingQueue<>();
  private final Transaction txn;
  private final Thread committer;
  private final long timeoutMillis;
  private volatile boolean closed;

  /** @param txn runs one transaction (throws UnavailableException when etcd fails) */
  GroupCommit(Transaction txn, long timeoutMillis) {
    this.txn = txn;
    this.timeoutMillis = timeoutMillis;
    this.committer = new Thread(this::run, "registry-commit");
    committer.setDaemon(true);
    committer.start();
  }

  /** Puts {@code value} if the key's version is {@code expectedVersion}; the new version. */
  Optional<Long> put(ByteSequence key, ByteSequence value, long expectedVersion) {
    if (closed) {
      throw new UnavailableException("registry is closed");
    }
    Put put = new Put(key, value, expectedVersion, new CompletableFuture<>());
    queue.add(put);
    try {
      return put.result.get(timeoutMillis * 3, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new UnavailableException("registry write failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new UnavailableException("registry write got no answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted");
    }
  }

  /** Puts waiting for the committer (not counting a group in flight). */
  int queued() {
    return queue.size();
  }

  private void run() {
    List<Put> carry = new ArrayList<>();
    while (!closed) {
      List<Put> group = new ArrayList<>();
      Set<ByteSequence> keys = new HashSet<>();
      try {
        List<Put> candidates = new ArrayList<>(carry);
        carry.clear();
        if (candidates.isEmpty()) {
          Put first = queue.poll(1, TimeUnit.SECONDS);
          if (first == null) {
            continue;
          }
          candidates.add(first);
        }
        queue.drainTo(candidates, MAX_GROUP * 2);
        for (Put p : candidates) {
          if (group.size() < MAX_GROUP && keys.add(p.key())) {
            group.add(p);
          } else {
            carry.add(p); // same key twice, or a full group: next round
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      commit(group);
    }
  }

  private void commit(List<Put> group) {
    if (group.size() == 1) {
      commitAlone(group.get(0));
      return;
    }
    try {
      OptionalLong revision = txn.commit(group);
      if (revision.isPresent()) {
        group.forEach(p -> p.result.complete(Optional.of(revision.getAsLong())));
        return;
      }
    } catch (RuntimeException e) {
      log.debug("group commit of {} puts failed ({}); committing them one by one", group.size(),
          e.getMessage());
    }
    group.forEach(this::commitAlone);
  }

  private void commitAlone(Put put) {
    try {
      OptionalLong revision = txn.commit(List.of(put));
      put.result.complete(revision.isPresent()
          ? Optional.of(revision.getAsLong()) : Optional.empty());
    } catch (RuntimeException e) {
      put.result.completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    committer.interrupt();
    Put p;
    while ((p = queue.poll()) != null) {
      p.result.completeExceptionally(new UnavailableException("registry is closed"));
    }
  }
}
