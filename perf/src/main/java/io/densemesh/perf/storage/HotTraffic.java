package io.densemesh.perf.storage;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop clients calling one resident ("hot") model. A call's latency goes to {@code during}
 * when a cold load was in flight at any point of the call, to {@code quiet} when none was and a
 * quiet window is open, else nowhere (model generation and uploads between loads would blur the
 * baseline). So the two compare the same traffic with and without loads running.
 */
final class HotTraffic implements AutoCloseable {

  private final Recorder quiet = new Recorder(3);
  private final Recorder during = new Recorder(3);
  private final AtomicInteger loadsInFlight = new AtomicInteger();
  private final AtomicBoolean quietWindow = new AtomicBoolean();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final List<Thread> threads = new ArrayList<>();

  HotTraffic(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub,
      ModelInferRequest request, int clients) {
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> {
        try {
          while (!stop.get()) {
            boolean loading = loadsInFlight.get() > 0;
            long t0 = System.nanoTime();
            stub.modelInfer(request);
            long micros = (System.nanoTime() - t0) / 1000;
            loading |= loadsInFlight.get() > 0;
            if (loading) {
              during.recordValue(micros);
            } else if (quietWindow.get()) {
              quiet.recordValue(micros);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "hot-client-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /** Clears what warm-up recorded. */
  void reset() {
    quiet.reset();
    during.reset();
  }

  /** Records calls with no load in flight while open. */
  void quietWindow(boolean open) {
    quietWindow.set(open);
  }

  void loadStarted() {
    loadsInFlight.incrementAndGet();
  }

  void loadFinished() {
    loadsInFlight.decrementAndGet();
  }

  Histogram quiet() {
    return quiet.getIntervalHistogram();
  }

  Histogram during() {
    return during.getIntervalHistogram();
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("hot traffic failed", failure.get());
    }
  }
}
