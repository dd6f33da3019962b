package io.densemesh.perf.soak;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Usage: {@code ./densemesh bench-soak [--minutes 30] [--models 10000] [--clients 8]
 * [--capacity 8m] [--zipf 1.0] [--out FILE]}.
 *
 * <p>Starts a real etcd and three nodes, each its own JVM ({@code densemesh serve}, 256 MB heap),
 * registers {@code --models} small ONNX models and drives closed-loop Zipf traffic over them on a
 * capacity that holds a fraction of them, while a registrar registers and unregisters models all
 * the time. After a warm-up (a tenth of the run, at least 30 s) it takes each node's memory as the
 * baseline, then injects on a schedule: an etcd restart at 30 % of the run, a {@code kill -9} of
 * node c at 60 % and c's restart 15 s later. It reports, per node, RSS and heap-after-GC growth
 * from the baseline (c: from its restart); requests failed inside each fault's window (fault to
 * its end plus a 2 s recovery window; a kill ends when the lease TTL has passed) and after it;
 * wrong answers; acknowledged registrations lost and unregistrations undone.
 */
public final class SoakBenchmark {

  static final Duration LEASE_TTL = Duration.ofSeconds(3);
  static final Duration RECOVERY = Duration.ofSeconds(2);

  private final Path dir;
  private final String capacity;
  private EtcdProcess etcd;
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private final Map<String, NodeMemory.Sample> baseline = new LinkedHashMap<>();
  private final Map<String, NodeMemory.Sample> peak = new LinkedHashMap<>();

  private SoakBenchmark(Path dir, String capacity) {
    this.dir = dir;
    this.capacity = capacity;
  }

  /** Runs the benchmark (flags: {@link BenchSoakCommand}). */
  static void execute(int minutes, int models, int clients, String capacity, double zipf,
      Path out) throws Exception {
    if (minutes < 1) {
      throw new IllegalArgumentException("--minutes must be at least 1");
    }
    Path dir = Files.createTempDirectory("densemesh-soak");
    SoakBenchmark soak = new SoakBenchmark(dir, capacity);
    try {
      soak.run(minutes, models, clients, zipf, out);
    } finally {
      soak.stopAll();
    }
  }

  private String[] flags(String id) {
    return new String[] {"--instance-id", id, "--etcd", etcd.endpoint(), "--etcd-prefix",
        "/soak/", "--lease-ttl", LEASE_TTL.toSeconds() + "s", "--capacity", capacity,
        "--drain-timeout", "2s", "--etcd-timeout", "30s"};
  }

  private NodeProcess start(String id) {
    NodeProcess node = new NodeProcess(dir.resolve(id), flags(id));
    nodes.put(id, node);
    return node;
  }

  private void run(int minutes, int models, int clients, double zipf, Path out)
      throws Exception {
    etcd = new EtcdProcess(dir.resolve("etcd"));
    Rotation rotation = new Rotation();
    for (String id : List.of("a", "b", "c")) {
      rotation.add(start(id));
    }
    Path modelDir = dir.resolve("models");
    long t0 = System.nanoTime();
    registerAll(nodes.get("a"), modelDir, models);
    log("registered %d models in %.1f s", models, (System.nanoTime() - t0) / 1e9);

    FaultLog faults = new FaultLog(RECOVERY.toNanos());
    long totalNanos = TimeUnit.MINUTES.toNanos(minutes);
    long warmupNanos = Math.max(TimeUnit.SECONDS.toNanos(30), totalNanos / 10);
    Registrar.Check check;
    long requests;
    try (SoakTraffic traffic = new SoakTraffic(rotation, models, zipf, clients, faults, 42);
        Registrar registrar = new Registrar(rotation, modelDir.resolve("model-0.onnx"), 200)) {
      sleepNanos(warmupNanos);
      nodes.forEach((id, node) -> baseline.put(id, NodeMemory.sample(node.pid())));
      log("warm-up done (%d requests); baseline %s", traffic.requests(), describe(baseline));
      long start = System.nanoTime();
      long etcdAt = start + totalNanos * 3 / 10;
      long killAt = start + totalNanos * 6 / 10;
      long end = start + totalNanos;
      long nextSample = start + TimeUnit.MINUTES.toNanos(1);
      boolean etcdDone = false;
      boolean killDone = false;
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        if (!etcdDone && now >= etcdAt) {
          etcdDone = true;
          FaultLog.Fault f = faults.begin("etcd restart", System.nanoTime());
          etcd.stop();
          etcd.start();
          faults.end(f, System.nanoTime());
          log("etcd restarted in %.1f s", (f.endNanos - f.startNanos) / 1e9);
        } else if (!killDone && now >= killAt) {
          killDone = true;
          killAndRestart(rotation, faults);
        } else if (now >= nextSample) {
          nextSample += TimeUnit.MINUTES.toNanos(1);
          sampleAll();
          log("%d requests, %d wrong, %d failed outside fault windows; %s", traffic.requests(),
              traffic.wrong.get(), traffic.failedOutside.get(), describe(peak));
        }
        sleepNanos(Math.min(TimeUnit.SECONDS.toNanos(1), Math.max(0, end - System.nanoTime())));
      }
      sampleAll();
      requests = traffic.requests();
      traffic.close();
      registrar.close();
      check = registrar.check(nodes.get("a"));
      report(minutes, models, traffic, registrar, check, faults, out);
    }
  }

  private void killAndRestart(Rotation rotation, FaultLog faults) {
    NodeProcess c = nodes.get("c");
    rotation.remove(c);
    FaultLog.Fault kill = faults.begin("kill -9 node c", System.nanoTime());
    c.kill();
    c.close();
    faults.end(kill, System.nanoTime() + LEASE_TTL.toNanos());
    log("node c killed");
    sleepNanos(TimeUnit.SECONDS.toNanos(15));
    FaultLog.Fault restart = faults.begin("node c restart", System.nanoTime());
    NodeProcess again = start("c");
    faults.end(restart, System.nanoTime());
    rotation.add(again);
    baseline.put("c", NodeMemory.sample(again.pid()));
    log("node c back after %.1f s", (restart.endNanos - restart.startNanos) / 1e9);
  }

  private void sampleAll() {
    nodes.forEach((id, node) -> {
      NodeMemory.Sample s = NodeMemory.sample(node.pid());
      peak.put(id, s);
    });
  }

  private void registerAll(NodeProcess node, Path modelDir, int models) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    var mesh = ModelMeshGrpc.newBlockingStub(node.channel());
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int i = 0; i < models; i++) {
      int m = i;
      Path file = Inference.writeModel(modelDir, m);
      done.add(pool.submit(() -> mesh.withDeadlineAfter(30, TimeUnit.SECONDS).registerModel(
          RegisterModelRequest.newBuilder().setModelId("m" + m).setModelInfo(
              ModelInfo.newBuilder().setType("onnx").setPath(file.toString())).build())));
    }
    for (var f : done) {
      f.get();
    }
    pool.shutdown();
  }

  private void report(int minutes, int models, SoakTraffic traffic, Registrar registrar,
      Registrar.Check check, FaultLog faults, Path out) throws IOException {
    List<String[]> rows = new ArrayList<>();
    System.out.println();
    System.out.printf(Locale.ROOT, "soak: %d min measured, %d models, capacity %s per node%n",
        minutes, models, capacity);
    for (var e : nodes.entrySet()) {
      String id = e.getKey();
      NodeMemory.Sample from = baseline.get(id);
      NodeMemory.Sample to = peak.get(id);
      long rssGrowth = to.rssBytes() - from.rssBytes();
      long heapGrowth = to.heapBytes() - from.heapBytes();
      System.out.printf(Locale.ROOT,
          "node %s: RSS %d -> %d MB (%+d MB), heap after GC %d -> %d MB (%+d MB)%s%n", id,
          mb(from.rssBytes()), mb(to.rssBytes()), mb(rssGrowth), mb(from.heapBytes()),
          mb(to.heapBytes()), mb(heapGrowth), id.equals("c") ? " (since its restart)" : "");
      rows.add(new String[] {"node_" + id + "_rss_growth_mb", Long.toString(mb(rssGrowth))});
      rows.add(new String[] {"node_" + id + "_heap_growth_mb", Long.toString(mb(heapGrowth))});
    }
    System.out.printf(Locale.ROOT, "requests %d, ok %d, wrong answers %d%n", traffic.requests(),
        traffic.ok.get(), traffic.wrong.get());
    for (FaultLog.Fault f : faults.faults()) {
      System.out.printf(Locale.ROOT, "fault '%s': %d failed within its window, %d after it%n",
          f.name, f.failedInWindow, f.failedAfterWindow);
      String key = f.name.replaceAll("[^a-z0-9]+", "_");
      rows.add(new String[] {"fault_" + key + "_failed_in_window",
          Long.toString(f.failedInWindow)});
      rows.add(new String[] {"fault_" + key + "_failed_after_window",
          Long.toString(f.failedAfterWindow)});
    }
    System.out.printf(Locale.ROOT, "failed outside any fault window: %d %s%n",
        traffic.failedOutside.get(), traffic.outsideReasons);
    System.out.printf(Locale.ROOT, "registrations: %d attempts, %d refused, %d acknowledged"
        + " and kept, %d acknowledged unregistrations; lost %d, unregistered but back %d%n",
        registrar.attempts, registrar.refused, registrar.registered.size(),
        registrar.unregistered.size(), check.lost(), check.resurrected());
    rows.add(new String[] {"requests", Long.toString(traffic.requests())});
    rows.add(new String[] {"wrong_answers", Long.toString(traffic.wrong.get())});
    rows.add(new String[] {"failed_outside_fault_windows",
        Long.toString(traffic.failedOutside.get())});
    rows.add(new String[] {"registrations_lost", Integer.toString(check.lost())});
    rows.add(new String[] {"unregistrations_undone", Integer.toString(check.resurrected())});
    Files.createDirectories(out.toAbsolutePath().getParent());
    StringBuilder csv = new StringBuilder("metric,value\n");
    rows.forEach(r -> csv.append(r[0]).append(',').append(r[1]).append('\n'));
    Files.writeString(out, csv);
    System.out.println("written to " + out);
  }

  private void stopAll() {
    nodes.values().forEach(NodeProcess::close);
    if (etcd != null) {
      etcd.close();
    }
  }

  private static String describe(Map<String, NodeMemory.Sample> samples) {
    StringBuilder s = new StringBuilder();
    samples.forEach((id, m) -> s.append(String.format(Locale.ROOT, "%s: RSS %d MB heap %d MB; ",
        id, mb(m.rssBytes()), mb(m.heapBytes()))));
    return s.toString();
  }

  private static long mb(long bytes) {
    return Math.round(bytes / 1048576.0);
  }

  private static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[soak] " + format + "%n", args);
  }

  /** The benchmark's own pacing (phases of a schedule), not a wait for a condition. */
  private static void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
