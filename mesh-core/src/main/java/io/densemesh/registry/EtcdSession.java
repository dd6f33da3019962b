package io.densemesh.registry;

import io.densemesh.runtime.error.UnavailableException;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's etcd lease: granted at start, kept alive, and granted anew when it is lost (etcd
 * was away longer than the TTL). Live records are written under the current lease; after a new
 * grant, {@code onRenewed} runs so the node republishes them. Closing revokes the lease, so the
 * node's live records vanish at once rather than after the TTL.
 */
final class EtcdSession implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);

  private final java.util.function.Supplier<Lease> leases;
  private final Duration ttl;
  private final Duration opTimeout;
  private final BiFunction<String, Throwable, UnavailableException> unavailable;
  private final Runnable onRenewed;
  private final ScheduledExecutorService scheduler;
  private volatile long leaseId;
  private volatile boolean lost;
  private CloseableClient keepAlive;

  EtcdSession(java.util.function.Supplier<Lease> leases, Duration ttl, Duration opTimeout,
      BiFunction<String, Throwable, UnavailableException> unavailable, Runnable onRenewed) {
    this.leases = leases;
    this.ttl = ttl;
    this.opTimeout = opTimeout;
    this.unavailable = unavailable;
    this.onRenewed = onRenewed;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "registry-session");
      t.setDaemon(true);
      return t;
    });
  }

  void open() {
    grant();
    scheduler.scheduleWithFixedDelay(this::renewIfLost, 1, 1, TimeUnit.SECONDS);
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  private synchronized void grant() {
    long id;
    try {
      id = leases.get().grant(Math.max(2, ttl.toSeconds())).get(opTimeout.toMillis(),
          TimeUnit.MILLISECONDS).getID();
    } catch (Exception e) {
      throw unavailable.apply("cannot grant a lease: " + e, e);
    }
    if (keepAlive != null) {
      keepAlive.close();
    }
    keepAlive = leases.get().keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
      @Override
      public void onNext(LeaseKeepAliveResponse response) {
        if (response.getTTL() <= 0) {
          markLost(id, "expired");
        }
      }

      @Override
      public void onError(Throwable t) {
        markLost(id, t.toString());
      }

      @Override
      public void onCompleted() {
        markLost(id, "keep-alive ended");
      }
    });
    leaseId = id;
    lost = false;
  }

  private void markLost(long id, String why) {
    if (id == leaseId && !lost) {
      log.warn("registry lease {} lost ({}); will grant a new one", Long.toHexString(id), why);
      lost = true;
    }
  }

  private void renewIfLost() {
    if (!lost) {
      return;
    }
    try {
      grant();
      log.info("registry lease renewed as {}; republishing live records",
          Long.toHexString(leaseId));
      onRenewed.run();
    } catch (RuntimeException e) {
      log.debug("lease renewal failed, retrying: {}", e.getMessage());
    }
  }

  /** Runs a write under the current lease; if etcd says the lease is gone, renews and retries. */
  <T> T withLease(LongFunction<T> write) {
    long id = leaseId;
    try {
      return write.apply(id);
    } catch (UnavailableException e) {
      if (!String.valueOf(e.getMessage()).contains("lease not found")) {
        throw e;
      }
      markLost(id, "not found");
      renewIfLost();
      return write.apply(leaseId);
    }
  }

  @Override
  public synchronized void close() {
    scheduler.shutdownNow();
    if (keepAlive != null) {
      keepAlive.close();
    }
    if (leaseId != 0) {
      try {
        leases.get().revoke(leaseId).get(opTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.debug("revoking lease failed (it expires by itself): {}", e.toString());
      }
    }
  }
}
