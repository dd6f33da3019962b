package io.densemesh.perf.sim;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The plain-text trace format, one request per line:
 *
 * <pre>time_ms,model[,tenant[,size_bytes[,load_ms]]]</pre>
 *
 * Times are simulated milliseconds, non-decreasing. A model's tenant, size and load time are taken
 * from its first line that gives them; missing sizes are drawn from {@link ModelShapes} (seeded) and
 * missing load times derived from the size. Blank lines, lines starting with {@code #} and a header
 * line starting with {@code time} are skipped.
 */
public final class TraceFile {

  private TraceFile() {}

  public static Trace read(Path path, int maxCopies, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    SyntheticTraces.CatalogBuilder catalog = new SyntheticTraces.CatalogBuilder(1024, random);
    Map<String, Integer> index = new HashMap<>();
    long[] times = new long[1 << 16];
    int[] models = new int[1 << 16];
    int n = 0;
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        line = line.trim();
        if (line.isEmpty() || line.startsWith("#") || line.startsWith("time")) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length < 2 || f[1].isBlank()) {
          throw new IllegalArgumentException(path + ":" + lineNo + ": expected time_ms,model[,...]");
        }
        long time = parseLong(f[0], path, lineNo, "time_ms");
        if (n > 0 && time < times[n - 1]) {
          throw new IllegalArgumentException(path + ":" + lineNo + ": time goes backwards");
        }
        String id = f[1].trim();
        Integer model = index.get(id);
        if (model == null) {
          String tenant = f.length > 2 && !f[2].isBlank() ? f[2].trim() : "default";
          long size = f.length > 3 && !f[3].isBlank()
              ? parseLong(f[3], path, lineNo, "size_bytes") : ModelShapes.sampleSize(random);
          long load = f.length > 4 && !f[4].isBlank()
              ? parseLong(f[4], path, lineNo, "load_ms") : ModelShapes.loadMillis(size, 1.0);
          model = catalog.addWith(id, tenant, size, load);
          index.put(id, model);
        }
        if (n == times.length) {
          times = java.util.Arrays.copyOf(times, n * 2);
          models = java.util.Arrays.copyOf(models, n * 2);
        }
        times[n] = time;
        models[n++] = model;
      }
    }
    return new Trace(catalog.build(maxCopies, -1), java.util.Arrays.copyOf(times, n),
        java.util.Arrays.copyOf(models, n));
  }

  /** Writes a trace in the format {@link #read} accepts, with every model's full description. */
  public static void write(Trace trace, Path path) throws IOException {
    ModelCatalog c = trace.catalog();
    boolean[] described = new boolean[c.size()];
    try (BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
      out.write("time_ms,model,tenant,size_bytes,load_ms\n");
      for (int i = 0; i < trace.length(); i++) {
        int m = trace.model()[i];
        out.write(Long.toString(trace.timeMillis()[i]));
        out.write(',');
        out.write(c.id(m));
        if (!described[m]) {
          described[m] = true;
          out.write("," + c.tenantName(c.tenant(m)) + "," + c.sizeBytes(m) + "," + c.loadMillis(m));
        }
        out.write('\n');
      }
    }
  }

  private static long parseLong(String s, Path path, int lineNo, String field) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(path + ":" + lineNo + ": " + field + " is not an integer: '" + s + "'");
    }
  }
}
