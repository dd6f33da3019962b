package io.densemesh.remote;

import io.densemesh.api.mmesh.ModelRuntimeGrpc;
import io.densemesh.api.mmesh.RuntimeStatusRequest;
import io.densemesh.api.mmesh.RuntimeStatusResponse;
import io.densemesh.config.RemoteRuntimeOption;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.densemesh.tls.RuntimeLinkTls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's link to one runtime process and what it knows of the runtime's life.
 *
 * <p>Design: {@code runtimeStatus} is asked at start and after every suspected restart, until
 * it answers READY (the contract: a runtime purges what it still holds before answering READY).
 * A restart is suspected whenever the SPI channel leaves READY (the connection dropped: the
 * process died or restarted, or the network broke). Each such loss ends a <em>generation</em>:
 * copies loaded in an ended generation are treated as gone, whatever the runtime says later,
 * because the READY answer that follows has purged them. Until READY again, loads wait and fail
 * UNAVAILABLE after their timeout.
 */
final class RuntimeConnection implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RuntimeConnection.class);
  private static final long STATUS_DEADLINE_MS = 2_000;
  private static final long STATUS_RETRY_MS = 200;
  private static final String TLS_FAILED = "TLS with the runtime failed: ";

  private final RemoteRuntimeOption option;
  private final Optional<RuntimeLinkTls> tls;
  private final Duration nodeLoadTimeout;
  private final ManagedChannel channel;
  private final ManagedChannel dataChannel;
  private final ModelRuntimeGrpc.ModelRuntimeBlockingStub runtime;
  private final ScheduledExecutorService poller;
  private final Object lock = new Object();
  private RuntimeParameters parameters; // guarded by lock
  private long generation; // guarded by lock
  private boolean ready; // guarded by lock
  private boolean polling; // guarded by lock
  private boolean closed; // guarded by lock
  private String lastProblem = "no answer yet"; // guarded by lock
  private boolean lastProblemTls; // guarded by lock
  private volatile LongConsumer onLoss = g -> {};

  private RuntimeConnection(RemoteRuntimeOption option, Optional<RuntimeLinkTls> tls,
      Duration nodeLoadTimeout, int maxMessageBytes) {
    this.option = option;
    this.tls = tls;
    this.nodeLoadTimeout = nodeLoadTimeout;
    this.channel = Channels.channel(option.runtime(), maxMessageBytes, tls);
    this.dataChannel = option.data().equals(option.runtime()) ? channel
        : Channels.channel(option.data(), maxMessageBytes, tls);
    this.runtime = ModelRuntimeGrpc.newBlockingStub(channel);
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "remote-runtime-status");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Connects and waits for the runtime to report READY.
   *
   * @param tls TLS for TCP addresses, closed with the connection; empty: plaintext
   * @throws UnavailableException when it does not within {@code startTimeout}
   */
  static RuntimeConnection open(RemoteRuntimeOption option, Optional<RuntimeLinkTls> tls,
      Duration nodeLoadTimeout, int maxMessageBytes, Duration startTimeout) {
    RuntimeConnection connection = new RuntimeConnection(option, tls, nodeLoadTimeout,
        maxMessageBytes);
    try {
      connection.startPolling();
      connection.awaitReady(startTimeout);
      connection.watch(ConnectivityState.READY);
      return connection;
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** Called with the generation that ended when a restart is suspected. */
  void onLoss(LongConsumer listener) {
    this.onLoss = listener;
  }

  ModelRuntimeGrpc.ModelRuntimeBlockingStub runtime() {
    return runtime;
  }

  ManagedChannel data() {
    return dataChannel;
  }

  RemoteRuntimeOption option() {
    return option;
  }

  RuntimeParameters parameters() {
    synchronized (lock) {
      return parameters;
    }
  }

  long generation() {
    synchronized (lock) {
      return generation;
    }
  }

  /**
   * Waits until the runtime is READY.
   *
   * @return the current generation
   * @throws UnavailableException when it is not READY within the timeout
   */
  long awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!ready && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new UnavailableException("runtime at " + option.runtime()
              + " is not READY after " + timeout + " (" + lastProblem + ")");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UnavailableException("interrupted waiting for runtime " + option.runtime());
        }
      }
      if (closed) {
        throw new UnavailableException("connection to runtime " + option.runtime() + " closed");
      }
      return generation;
    }
  }

  private void startPolling() {
    synchronized (lock) {
      if (polling || closed) {
        return;
      }
      polling = true;
    }
    poller.execute(this::poll);
  }

  private void poll() {
    String problem;
    try {
      RuntimeStatusResponse status = runtime.withWaitForReady()
          .withDeadlineAfter(STATUS_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .runtimeStatus(RuntimeStatusRequest.getDefaultInstance());
      if (status.getStatus() == RuntimeStatusResponse.Status.READY) {
        RuntimeParameters p = RuntimeParameters.from(status, nodeLoadTimeout);
        synchronized (lock) {
          parameters = p;
          ready = true;
          polling = false;
          lock.notifyAll();
        }
        log.info("runtime at {} READY: version '{}', capacity {} bytes, {} loading slots,"
                + " load timeout {}", option.runtime(), p.version(), p.capacityBytes(),
            p.maxLoadingConcurrency(), p.loadTimeout());
        return;
      }
      problem = "runtimeStatus answered " + status.getStatus();
    } catch (StatusRuntimeException e) {
      StatusRuntimeException failure = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
          ? whyNotConnected(e) : e;
      problem = describe(failure);
      if (failure == e && e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // Still connecting: what the last failed attempt said stays the better explanation.
        synchronized (lock) {
          if (lastProblemTls) {
            problem = lastProblem;
          }
        }
      }
    }
    synchronized (lock) {
      lastProblem = problem;
      lastProblemTls = problem.startsWith(TLS_FAILED);
      if (closed) {
        polling = false;
        return;
      }
    }
    poller.schedule(this::poll, STATUS_RETRY_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * A call that waited for the connection only says it timed out; when the channel is failing to
   * connect, one call that does not wait fails at once with the connection's error (a refused
   * port, a TLS handshake), which is what an operator needs to read.
   */
  private StatusRuntimeException whyNotConnected(StatusRuntimeException waited) {
    if (channel.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
      return waited;
    }
    try {
      runtime.withDeadlineAfter(STATUS_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .runtimeStatus(RuntimeStatusRequest.getDefaultInstance());
      return waited; // connected meanwhile: the next poll reads the answer
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  /** Why runtimeStatus failed, in the words an operator needs (TLS problems named as such). */
  private String describe(StatusRuntimeException e) {
    if (RuntimeLinkTls.isTlsFailure(e)) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return TLS_FAILED + root.getMessage() + " (check "
          + (tls.isPresent() ? "--remote-runtime-ca, --remote-runtime-cert/--remote-runtime-key"
              + " and --remote-runtime-authority against the runtime's certificate and client CA"
              : "whether the runtime serves TLS: then give --remote-runtime-ca") + ")";
    }
    return "runtimeStatus failed: " + e.getStatus();
  }

  /** Watches the SPI channel; leaving READY is a suspected restart. */
  private void watch(ConnectivityState state) {
    channel.notifyWhenStateChanged(state, () -> {
      if (state == ConnectivityState.READY) {
        lost();
      }
      if (!isClosed()) {
        watch(channel.getState(true));
      }
    });
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void lost() {
    long ended;
    synchronized (lock) {
      if (closed) {
        return;
      }
      ended = generation++;
      ready = false;
      lastProblem = "connection lost";
    }
    log.warn("connection to runtime at {} lost: treating it as restarted; its models leave this"
        + " node's cache and load again on demand", option.runtime());
    onLoss.accept(ended);
    startPolling();
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    poller.shutdownNow();
    channel.shutdown();
    if (dataChannel != channel) {
      dataChannel.shutdown();
    }
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      dataChannel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
    dataChannel.shutdownNow();
    tls.ifPresent(RuntimeLinkTls::close);
  }
}
