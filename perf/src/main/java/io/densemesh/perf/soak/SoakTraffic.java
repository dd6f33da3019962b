package io.densemesh.perf.soak;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.testing.Inference;
import io.densemesh.workload.ZipfSampler;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop clients: each picks a model by Zipf rank over {@code models} and a node from the
 * rotation, sends one inference (10 s deadline, no client retry) and checks the answer against the
 * model's own arithmetic (model i is a linear classifier seeded with i: a wrong model or a wrong
 * tensor gives other logits). Failures are charged to the fault log.
 */
final class SoakTraffic implements AutoCloseable {

  final AtomicLong ok = new AtomicLong();
  final AtomicLong wrong = new AtomicLong();
  final AtomicLong failedInWindows = new AtomicLong();
  final AtomicLong failedOutside = new AtomicLong();
  /** Status of failures outside any window, with a count each (for the report). */
  final Map<String, AtomicLong> outsideReasons = new ConcurrentHashMap<>();

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService threads;

  SoakTraffic(Rotation rotation, int models, double zipf, int clients, FaultLog faults,
      long seed) {
    ZipfSampler zipfSampler = new ZipfSampler(models, zipf);
    threads = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      SplittableRandom random = new SplittableRandom(seed + c);
      threads.execute(() -> {
        while (running.get()) {
          int m = zipfSampler.next(random);
          try {
            ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(
                    rotation.pick(random).channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .modelInfer(Inference.request("m" + m, Inference.row(m)));
            if (Inference.answeredBy(r, m, Inference.row(m))) {
              ok.incrementAndGet();
            } else {
              wrong.incrementAndGet();
            }
          } catch (StatusRuntimeException e) {
            if (!running.get()) {
              return;
            }
            if (faults.failed(System.nanoTime())) {
              failedInWindows.incrementAndGet();
            } else {
              failedOutside.incrementAndGet();
              outsideReasons.computeIfAbsent(e.getStatus().getCode() + ": "
                      + String.valueOf(e.getStatus().getDescription()).lines().findFirst()
                          .orElse(""),
                  k -> new AtomicLong()).incrementAndGet();
            }
          }
        }
      });
    }
  }

  long requests() {
    return ok.get() + wrong.get() + failedInWindows.get() + failedOutside.get();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    threads.shutdown();
    threads.awaitTermination(30, TimeUnit.SECONDS);
  }
}
