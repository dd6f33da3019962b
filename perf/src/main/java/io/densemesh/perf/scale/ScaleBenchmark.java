package io.densemesh.perf.scale;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.etcd.jetcd.Client;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Usage: {@code ./densemesh bench-scale [--models 100000] [--concurrency 64] [--idle-seconds 60]
 * [--cold 1000] [--hot 100] [--heap 1g] [--out FILE]}.
 *
 * <p>Starts a real etcd and three node processes on loopback (one JVM each, so heap, RSS and CPU
 * are per node), registers {@code --models} ids through the first node with
 * {@code --concurrency} requests in flight (id i points at one of 16 small ONNX files, file
 * i mod 16), then measures: heap after a full GC per node (and its growth over the empty mesh,
 * per registered model), RSS per node, etcd's database size (as written, and after compacting
 * old revisions and defragmenting), the nodes' CPU over {@code --idle-seconds} with no traffic,
 * the latency of {@code --cold} random never-loaded ids each through a random node (every answer
 * checked against the file's expected output), and the latency of {@code --hot} of those, now
 * loaded, called ten times each through random nodes. Prints a table and writes a CSV.
 */
public final class ScaleBenchmark {

  private static final int FILES = 16;

  /** Runs the benchmark (flags: {@link BenchScaleCommand}). */
  static void execute(int models, int concurrency, int idleSeconds, int cold, int hot,
      String heap, Path out) throws Exception {
    Path dir = Files.createTempDirectory("densemesh-scale-bench");
    List<String[]> rows = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < FILES; f++) {
      files.add(Inference.writeModel(dir.resolve("models"), f));
    }
    List<ScaleNode> nodes = new ArrayList<>();
    try (EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"))) {
      for (String id : List.of("n1", "n2", "n3")) {
        nodes.add(new ScaleNode(dir.resolve(id), id, heap, "--etcd", etcd.endpoint(),
            "--etcd-prefix", "/scale/", "--capacity", "1g", "--loading-slots", "4",
            "--etcd-timeout", "30s"));
      }
      // Idle registered models are not loaded ahead of demand: the cold phase measures misses.
      MeshAdminGrpc.newBlockingStub(nodes.get(0).channel).setPlacementConfig(
          PlacementConfig.newBuilder().putSettings("proactiveLoading", "false").build());
      long[] emptyHeap = new long[nodes.size()];
      for (int n = 0; n < nodes.size(); n++) {
        emptyHeap[n] = nodes.get(n).heapAfterGc();
      }

      double seconds = register(nodes.get(0), files, models,
          concurrency);
      rows.add(row("models", models));
      rows.add(row("registration_per_s", models / seconds));
      rows.add(row("registration_seconds", seconds));
      Thread.sleep(5_000); // let watches and the publisher settle before the readings

      for (int n = 0; n < nodes.size(); n++) {
        ScaleNode node = nodes.get(n);
        long heapUsed = node.heapAfterGc();
        rows.add(row(node.id + "_heap_after_gc_mb", heapUsed / 1e6));
        rows.add(row(node.id + "_heap_growth_bytes_per_model",
            (heapUsed - emptyHeap[n]) / (double) models));
        rows.add(row(node.id + "_rss_mb", node.rssBytes() / 1e6));
      }
      idleCpu(nodes, idleSeconds, rows);
      etcdSize(etcd, rows);
      latencies(nodes, models, cold, hot, rows);
    } finally {
      nodes.forEach(ScaleNode::close);
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    StringBuilder csv = new StringBuilder("metric,value\n");
    System.out.println();
    for (String[] r : rows) {
      csv.append(r[0]).append(',').append(r[1]).append('\n');
      System.out.printf(Locale.ROOT, "%-34s %s%n", r[0], r[1]);
    }
    Files.writeString(out, csv);
    System.out.println("written to " + out);
  }

  /** Registers ids m0..m(N-1) through one node; returns the seconds it took. */
  private static double register(ScaleNode node, List<Path> files, int models, int concurrency)
      throws Exception {
    var async = ModelMeshGrpc.newStub(node.channel);
    Semaphore window = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(models);
    AtomicLong failed = new AtomicLong();
    long t0 = System.nanoTime();
    for (int i = 0; i < models; i++) {
      window.acquire();
      async.registerModel(RegisterModelRequest.newBuilder().setModelId("m" + i)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx")
              .setPath(files.get(i % FILES).toString()))
          .build(), new StreamObserver<ModelStatusInfo>() {
            @Override
            public void onNext(ModelStatusInfo value) {}

            @Override
            public void onError(Throwable t) {
              if (failed.incrementAndGet() <= 3) {
                System.err.println("registration failed: " + t);
              }
              window.release();
              done.countDown();
            }

            @Override
            public void onCompleted() {
              window.release();
              done.countDown();
            }
          });
      if (i > 0 && i % 100_000 == 0) {
        System.out.printf(Locale.ROOT, "registered %d (%.0f/s)%n", i,
            i / ((System.nanoTime() - t0) / 1e9));
      }
    }
    done.await();
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " registrations failed");
    }
    return seconds;
  }

  private static void idleCpu(List<ScaleNode> nodes, int seconds, List<String[]> rows)
      throws Exception {
    long[] before = new long[nodes.size()];
    for (int n = 0; n < nodes.size(); n++) {
      before[n] = nodes.get(n).cpuTicks();
    }
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L); // the measurement window: no traffic at all
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double total = 0;
    for (int n = 0; n < nodes.size(); n++) {
      double share = (nodes.get(n).cpuTicks() - before[n])
          / (double) ProcStats.TICKS_PER_SECOND / elapsed * 100;
      total += share;
      rows.add(row(nodes.get(n).id + "_idle_cpu_pct_of_core", share));
    }
    rows.add(row("nodes_idle_cpu_pct_of_core", total));
  }

  private static void etcdSize(EtcdProcess etcd, List<String[]> rows) throws Exception {
    try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      var maintenance = client.getMaintenanceClient();
      var status = maintenance.statusMember(etcd.endpoint()).get(60, TimeUnit.SECONDS);
      rows.add(row("etcd_db_mb", status.getDbSize() / 1e6));
      long revision = client.getKVClient().get(io.etcd.jetcd.ByteSequence.from(new byte[] {0}))
          .get(60, TimeUnit.SECONDS).getHeader().getRevision();
      client.getKVClient().compact(revision).get(600, TimeUnit.SECONDS);
      maintenance.defragmentMember(etcd.endpoint()).get(600, TimeUnit.SECONDS);
      status = maintenance.statusMember(etcd.endpoint()).get(60, TimeUnit.SECONDS);
      rows.add(row("etcd_db_mb_compacted", status.getDbSize() / 1e6));
    }
  }

  private static void latencies(List<ScaleNode> nodes, int models, int cold, int hot,
      List<String[]> rows) {
    Random random = new Random(42);
    List<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub> stubs = nodes.stream()
        .map(n -> GRPCInferenceServiceGrpc.newBlockingStub(n.channel)
            .withDeadlineAfter(10, TimeUnit.MINUTES)).toList();
    List<Integer> ids = random.ints(0, models).distinct().limit(Math.min(cold, models)).boxed()
        .toList();
    Histogram coldUs = new Histogram(3);
    int wrong = 0;
    for (int id : ids) {
      wrong += call(stubs.get(random.nextInt(stubs.size())), id, coldUs) ? 0 : 1;
    }
    Histogram hotUs = new Histogram(3);
    List<Integer> hotIds = ids.subList(0, Math.min(hot, ids.size()));
    for (int round = 0; round < 10; round++) {
      for (int id : hotIds) {
        wrong += call(stubs.get(random.nextInt(stubs.size())), id, hotUs) ? 0 : 1;
      }
    }
    rows.add(row("cold_miss_p50_ms", coldUs.getValueAtPercentile(50) / 1000.0));
    rows.add(row("cold_miss_p99_ms", coldUs.getValueAtPercentile(99) / 1000.0));
    rows.add(row("warm_hit_p50_ms", hotUs.getValueAtPercentile(50) / 1000.0));
    rows.add(row("warm_hit_p99_ms", hotUs.getValueAtPercentile(99) / 1000.0));
    rows.add(row("wrong_answers", wrong));
  }

  /** One inference of model {@code "m" + id}; true when the answer is its file's. */
  private static boolean call(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub,
      int id, Histogram us) {
    int seed = id % FILES;
    float[] input = Inference.row(seed);
    long t0 = System.nanoTime();
    ModelInferResponse response = stub.modelInfer(Inference.request("m" + id, input));
    us.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
    return Inference.answeredBy(response, seed, input);
  }

  private static String[] row(String name, double value) {
    return new String[] {name, String.format(Locale.ROOT, "%.2f", value)};
  }
}
