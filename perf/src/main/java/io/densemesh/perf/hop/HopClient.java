package io.densemesh.perf.hop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The external client: {@code hop_client.py} (this package's resource) run by
 * {@code /usr/bin/python3} with Debian's grpcio, one process per measurement and client.
 */
final class HopClient {

  /** What one measurement of one target gave: every latency and the calls per second. */
  record Sample(long[] latenciesUs, double throughput) {

    long percentile(double p) {
      long[] sorted = latenciesUs.clone();
      Arrays.sort(sorted);
      int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }

  private final String python;
  private final Path script;

  HopClient(String python, Path dir) throws IOException {
    this.python = python;
    this.script = dir.resolve("hop_client.py");
    try (InputStream in = HopClient.class.getResourceAsStream("hop_client.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * {@code processes} client processes of {@code threads} callers each against {@code target},
   * warming up for {@code warmSeconds} from a shared start, then measuring for
   * {@code measureSeconds}; latencies merged, throughput summed.
   */
  Sample run(String target, Path request, int processes, int threads, double warmSeconds,
      double measureSeconds) throws Exception {
    // Time for the interpreters to start and import grpc before the shared start.
    double startAt = System.currentTimeMillis() / 1000.0 + 1.5;
    List<Process> started = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      started.add(new ProcessBuilder(python, script.toString(), "run", target,
          request.toString(), Integer.toString(threads), Double.toString(startAt),
          Double.toString(warmSeconds), Double.toString(measureSeconds))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }
    List<long[]> all = new ArrayList<>();
    double throughput = 0;
    for (Process process : started) {
      String[] lines = output(process).split("\n");
      String[] head = lines[0].trim().split(" ");
      throughput += Long.parseLong(head[0]) / Double.parseDouble(head[1]);
      all.add(Arrays.stream(lines[1].trim().split(" ")).mapToLong(Long::parseLong).toArray());
    }
    long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Sample(merged, throughput);
  }

  /** One connected client's first ModelInfer, microseconds. */
  long once(String target, Path request) throws Exception {
    Process process = new ProcessBuilder(python, script.toString(), "once", target,
        request.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return Long.parseLong(output(process).trim());
  }

  private static String output(Process process) throws Exception {
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("the Python client failed (exit "
          + (process.isAlive() ? "none" : process.exitValue()) + "): " + out);
    }
    return out;
  }
}
