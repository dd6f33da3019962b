package io.densemesh.perf.hop;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ServerReadyRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.perf.latency.RoundStats;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Usage: {@code ./densemesh bench-hop [--rounds 3] [--warmup-seconds 10] [--seconds 3]
 * [--cold 30] [--python /usr/bin/python3] [--node-java-opts "..."] [--out FILE]}.
 *
 * <p>Starts, each as a process of its own: a real etcd, the floor server (bare grpc-java and
 * ONNX Runtime, one session), node {@code a} (the holder) and node {@code b} (labelled to take no
 * ONNX copies, so every copy lands on {@code a}). A small tenant model is registered and pinned to
 * one copy ({@code setModelPolicy} min 1, max 1), loaded on {@code a}; a request to {@code b} is
 * forwarded to {@code a}. The client is external: Debian's python3-grpcio sending the same
 * pre-serialized ModelInfer bytes to each target.
 *
 * <p>Hop: each target gets the same warm-up, then {@code --rounds} rounds, targets interleaved
 * and their order rotated each round; in each, concurrency 1 (one process, one caller) and
 * concurrency 8 (two processes of four callers). Reported: medians of the per-round p50, p99 and
 * throughput with their range, and the ratios the goals are stated in.
 *
 * <p>Cold miss: {@code --cold} fresh models registered (never loaded), each requested once
 * through {@code b} by a connected client; the overhead is that latency minus the load time the
 * holder reports for it ({@code densemesh_model_load_seconds}, whole milliseconds); the first
 * five are warm-up.
 */
public final class HopBenchmark {

  private static final List<String> TARGETS = List.of("floor", "holder", "forwarder");
  private static final String MODEL = "hop-tenant/hop";
  private static final int COLD_WARMUP = 5;

  private HopBenchmark() {}

  /** Runs the benchmark (flags: {@link BenchHopCommand}). */
  static void execute(int rounds, double warmupSeconds, double seconds, int cold, String python,
      List<String> nodeJavaOpts, Path out) throws Exception {
    // Interrupted (Ctrl-C), the benchmark's processes go with it.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants()
        .forEach(ProcessHandle::destroyForcibly)));
    Path dir = Files.createTempDirectory("densemesh-hop-bench");
    Path models = dir.resolve("models");
    Path artifact = Inference.writeModel(models, 1);
    Path request = dir.resolve("request.bin");
    Files.write(request, Inference.request(MODEL, Inference.row(1)).toByteArray());
    HopClient client = new HopClient(python, dir);
    String loadBefore = loadAverage();
    List<String[]> rows = new ArrayList<>();
    int floorPort = HopProcess.freePort();
    try (EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"));
        HopProcess floor = new HopProcess(dir, "floor", List.of(), List.of(
            "io.densemesh.perf.latency.BareGrpcServer", artifact.toString(),
            Integer.toString(floorPort)));
        Node a = new Node(dir, "a", etcd, models, nodeJavaOpts);
        Node b = new Node(dir, "b", etcd, models, nodeJavaOpts, "--labels", "format:none")) {
      Map<String, String> targets = new LinkedHashMap<>();
      targets.put("floor", "127.0.0.1:" + floorPort);
      targets.put("holder", "127.0.0.1:" + a.grpcPort);
      targets.put("forwarder", "127.0.0.1:" + b.grpcPort);
      prepare(a, b, artifact);
      floor.checkAlive();
      System.out.printf(Locale.ROOT, "processes: floor %d, holder %d, forwarder %d%n",
          floor.pid(), a.process.pid(), b.process.pid());

      for (String t : TARGETS) { // the same warm-up for every target, both concurrencies
        client.run(targets.get(t), request, 1, 1, warmupSeconds / 2, 0.5);
        client.run(targets.get(t), request, 2, 4, warmupSeconds / 2, 0.5);
      }
      Map<String, List<HopClient.Sample>> c1 = new LinkedHashMap<>();
      Map<String, List<HopClient.Sample>> c8 = new LinkedHashMap<>();
      TARGETS.forEach(t -> {
        c1.put(t, new ArrayList<>());
        c8.put(t, new ArrayList<>());
      });
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < TARGETS.size(); i++) {
          String t = TARGETS.get((i + r) % TARGETS.size()); // rotated each round
          c1.get(t).add(client.run(targets.get(t), request, 1, 1, 1, seconds));
          c8.get(t).add(client.run(targets.get(t), request, 2, 4, 1, seconds));
        }
        System.out.printf(Locale.ROOT, "round %d of %d done%n", r + 1, rounds);
      }
      a.process.checkAlive();
      b.process.checkAlive();
      report("concurrency 1 (one client process)", "c1", c1, rows);
      report("concurrency 8 (two client processes x 4 callers)", "c8", c8, rows);
      if (cold > 0) {
        coldMisses(dir, a, b, client, cold, rows);
      }
    }
    String loadAfter = loadAverage();
    System.out.println("load average before: " + loadBefore + "; after: " + loadAfter);
    rows.add(new String[] {"loadavg_before", loadBefore.split(" ")[0]});
    rows.add(new String[] {"loadavg_after", loadAfter.split(" ")[0]});
    Files.createDirectories(out.toAbsolutePath().getParent());
    StringBuilder csv = new StringBuilder("metric,value\n");
    rows.forEach(r -> csv.append(r[0]).append(',').append(r[1]).append('\n'));
    Files.writeString(out, csv);
    System.out.println("written to " + out);
  }

  /** Registers the hop model through the holder, pins it to one copy and loads it there. */
  private static void prepare(Node a, Node b, Path artifact) throws Exception {
    MeshAdminGrpc.newBlockingStub(a.channel).setPlacementConfig(PlacementConfig.newBuilder()
        .putSettings("proactiveLoading", "false").build());
    ModelMeshGrpc.newBlockingStub(a.channel).registerModel(RegisterModelRequest.newBuilder()
        .setModelId(MODEL).setModelInfo(ModelInfo.newBuilder().setType("onnx")
            .setPath(artifact.toString())).build());
    MeshAdminGrpc.newBlockingStub(a.channel).setModelPolicy(SetModelPolicyRequest.newBuilder()
        .setModelId(MODEL).setMinCopies(1).setMaxCopies(1).build());
    var warm = Inference.request(MODEL, Inference.row(1));
    GRPCInferenceServiceGrpc.newBlockingStub(a.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .modelInfer(warm);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) { // until the forwarder's view has the model and its copy on the holder
      try {
        GRPCInferenceServiceGrpc.newBlockingStub(b.channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(warm);
        break;
      } catch (RuntimeException notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
        Thread.sleep(100); // the registration reaching the forwarder's watch
      }
    }
    if (a.loads()[1] != 1 || b.loads()[1] != 0) {
      throw new IllegalStateException("expected the one copy on the holder; loads: holder "
          + a.loads()[1] + ", forwarder " + b.loads()[1]);
    }
  }

  private static void report(String title, String key, Map<String, List<HopClient.Sample>> by,
      List<String[]> rows) {
    Map<String, double[]> p50 = new LinkedHashMap<>();
    Map<String, double[]> p99 = new LinkedHashMap<>();
    Map<String, double[]> rate = new LinkedHashMap<>();
    System.out.println();
    System.out.println(title + ": medians of per-round figures [min-max]");
    System.out.println("| target | p50 µs | p99 µs | throughput /s |");
    System.out.println("|---|---:|---:|---:|");
    for (var e : by.entrySet()) {
      p50.put(e.getKey(), stats(e.getValue().stream().map(s -> (double) s.percentile(50))
          .toList()));
      p99.put(e.getKey(), stats(e.getValue().stream().map(s -> (double) s.percentile(99))
          .toList()));
      rate.put(e.getKey(), stats(e.getValue().stream().map(HopClient.Sample::throughput)
          .toList()));
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", e.getKey(),
          fmt(p50.get(e.getKey())), fmt(p99.get(e.getKey())), fmt(rate.get(e.getKey())));
      rows.add(row(key + "_" + e.getKey() + "_p50_us", p50.get(e.getKey())[0]));
      rows.add(row(key + "_" + e.getKey() + "_p99_us", p99.get(e.getKey())[0]));
      rows.add(row(key + "_" + e.getKey() + "_per_s", rate.get(e.getKey())[0]));
    }
    double hop = p50.get("forwarder")[0] - p50.get("holder")[0];
    double allowed = 0.5 * p50.get("floor")[0];
    double rateRatio = rate.get("forwarder")[0] / rate.get("holder")[0];
    double p99Ratio = p99.get("forwarder")[0] / p99.get("holder")[0];
    System.out.printf(Locale.ROOT, "hop: forwarded p50 - holder p50 = %+.0f µs (goal <= 0.5 x"
        + " floor p50 = %.0f µs: %s)%n", hop, allowed, met(hop <= allowed));
    if (key.equals("c1")) {
      System.out.printf(Locale.ROOT, "throughput forwarded / holder = %.2fx (goal >= 0.7x: %s)%n",
          rateRatio, met(rateRatio >= 0.7));
      System.out.printf(Locale.ROOT, "p99 forwarded / holder = %.2fx (goal <= 2x: %s)%n",
          p99Ratio, met(p99Ratio <= 2));
    } else {
      System.out.printf(Locale.ROOT, "throughput forwarded / holder = %.2fx (goal >= 0.8x: %s)%n",
          rateRatio, met(rateRatio >= 0.8));
      System.out.printf(Locale.ROOT, "p99 forwarded / holder = %.2fx%n", p99Ratio);
    }
    System.out.printf(Locale.ROOT, "holder / floor: p50 %.2fx, throughput %.2fx%n",
        p50.get("holder")[0] / p50.get("floor")[0], rate.get("holder")[0] / rate.get("floor")[0]);
    rows.add(row(key + "_hop_p50_us", hop));
    rows.add(row(key + "_throughput_ratio", rateRatio));
    rows.add(row(key + "_p99_ratio", p99Ratio));
  }

  /**
   * Fresh models, each requested once through the forwarder (placed on the holder, the only
   * node taking ONNX copies); latency minus the holder's reported load time.
   */
  private static void coldMisses(Path dir, Node a, Node b, HopClient client, int count,
      List<String[]> rows) throws Exception {
    var mesh = ModelMeshGrpc.newBlockingStub(a.channel);
    List<Path> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "hop-tenant/cold-" + i;
      Path artifact = Inference.writeModel(dir.resolve("models"), 100 + i);
      mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id).setModelInfo(
          ModelInfo.newBuilder().setType("onnx").setPath(artifact.toString())).build());
      Path file = dir.resolve("cold-" + i + ".bin");
      Files.write(file, Inference.request(id, Inference.row(100 + i)).toByteArray());
      requests.add(file);
    }
    var viaB = ModelMeshGrpc.newBlockingStub(b.channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) { // every registration in the forwarder's view
      try {
        if (viaB.getModelStatus(GetStatusRequest.newBuilder()
            .setModelId("hop-tenant/cold-" + (count - 1)).build()).getStatusValue() != 0) {
          break;
        }
      } catch (RuntimeException notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
      }
      Thread.sleep(100); // the registrations reaching the forwarder's watch
    }
    List<Double> overhead = new ArrayList<>();
    List<Double> load = new ArrayList<>();
    List<Double> total = new ArrayList<>();
    String target = "127.0.0.1:" + b.grpcPort;
    for (int i = 0; i < count; i++) {
      double[] before = a.loads();
      long bLoads = (long) b.loads()[1];
      long us = client.once(target, requests.get(i));
      double[] after = a.loads();
      if (after[1] != before[1] + 1 || b.loads()[1] != bLoads) {
        throw new IllegalStateException("cold model " + i + " was not loaded once on the"
            + " holder");
      }
      double loadUs = (after[0] - before[0]) * 1e6;
      if (i >= COLD_WARMUP) {
        total.add((double) us);
        load.add(loadUs);
        overhead.add(us - loadUs);
      }
    }
    double[] o = stats(overhead);
    double[] l = stats(load);
    double[] t = stats(total);
    System.out.println();
    System.out.printf(Locale.ROOT, "cold miss through the forwarder (%d models, first %d"
        + " warm-up): first call p50 %.0f µs; holder's load time p50 %.0f µs;%n",
        count, COLD_WARMUP, t[0], l[0]);
    System.out.printf(Locale.ROOT, "  overhead above the load p50 %.0f µs [%.0f-%.0f] (goal"
        + " <= 5,000 µs: %s)%n", o[0], o[1], o[2], met(o[0] <= 5000));
    rows.add(row("cold_first_call_p50_us", t[0]));
    rows.add(row("cold_load_p50_us", l[0]));
    rows.add(row("cold_overhead_p50_us", o[0]));
  }

  private static double[] stats(List<Double> values) {
    return new double[] {RoundStats.median(values), RoundStats.min(values),
        RoundStats.max(values)};
  }

  private static String fmt(double[] s) {
    return String.format(Locale.ROOT, "%,.0f [%,.0f-%,.0f]", s[0], s[1], s[2]);
  }

  private static String met(boolean ok) {
    return ok ? "met" : "NOT met";
  }

  private static String[] row(String metric, double value) {
    return new String[] {metric, String.format(Locale.ROOT, "%.2f", value)};
  }

  private static String loadAverage() throws java.io.IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  /** A node process and the ports this benchmark gave it. */
  static final class Node implements AutoCloseable {
    final HopProcess process;
    final int grpcPort = HopProcess.freePort();
    final int metricsPort = HopProcess.freePort();
    final ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();

    Node(Path dir, String id, EtcdProcess etcd, Path models, List<String> javaOpts,
        String... flags) throws Exception {
      List<String> args = new ArrayList<>(List.of("io.densemesh.cli.Main", "serve",
          "--host", "127.0.0.1", "--instance-id", id,
          "--grpc-port", Integer.toString(grpcPort),
          "--rest-port", Integer.toString(HopProcess.freePort()),
          "--metrics-port", Integer.toString(metricsPort),
          "--internal-port", Integer.toString(HopProcess.freePort()),
          "--data-dir", dir.resolve(id).toString(), "--model-roots", models.toString(),
          "--etcd", etcd.endpoint(), "--etcd-prefix", "/hop/", "--capacity", "1g",
          "--etcd-timeout", "30s"));
      args.addAll(List.of(flags));
      this.process = new HopProcess(dir, "node-" + id, javaOpts, args);
      this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
          .build();
      var health = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (true) {
        process.checkAlive();
        try {
          if (health.withDeadlineAfter(1, TimeUnit.SECONDS)
              .serverReady(ServerReadyRequest.getDefaultInstance()).getReady()) {
            return;
          }
        } catch (RuntimeException notYet) {
          // starting
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node " + id + " not ready in 120 s; see "
              + process.log);
        }
        Thread.sleep(100); // polling the node's readiness
      }
    }

    /** The node's reported model loads: {seconds in all, successful loads}. */
    double[] loads() throws Exception {
      String text = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      double seconds = 0;
      double count = 0;
      for (String line : text.split("\n")) {
        if (line.startsWith("densemesh_model_load_seconds_sum")) {
          seconds += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        } else if (line.startsWith("densemesh_model_load_seconds_count")) {
          count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return new double[] {seconds, count};
    }

    @Override
    public void close() {
      channel.shutdownNow();
      process.close();
    }
  }
}
