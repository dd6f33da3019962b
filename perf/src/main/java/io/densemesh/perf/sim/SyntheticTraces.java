package io.densemesh.perf.sim;

import io.densemesh.workload.ZipfSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic trace generators. Every scenario shares the base: Poisson arrivals, a Zipf popularity
 * order shuffled over the models (popularity is independent of size and tenant), tenants of
 * Zipf-skewed sizes (a few tenants own many models), {@link ModelShapes} sizes and load times.
 * Scenarios differ in which model each arrival asks for. Seeded: same params, same trace.
 */
public final class SyntheticTraces {

  private SyntheticTraces() {}

  public static Trace generate(Scenario scenario, TraceParams p) {
    if (scenario == Scenario.CSV) {
      throw new IllegalArgumentException("the csv scenario reads --trace, it is not generated");
    }
    SplittableRandom random = new SplittableRandom(p.seed());
    int base = p.models();
    int extra = switch (scenario) {
      case NEW_MODELS -> Math.max(1, base / 5);
      case BIG_MODEL -> 1;
      case NOISY_TENANT -> 2_000;
      default -> 0;
    };
    CatalogBuilder catalog = new CatalogBuilder(base + extra, random);
    int tenants = Math.max(1, base / 20);
    ZipfSampler tenantSizes = new ZipfSampler(tenants, 1.0);
    for (int m = 0; m < base; m++) {
      catalog.add("m" + m, "tenant-" + tenantSizes.next(random));
    }
    int bigModel = -1;
    if (scenario == Scenario.NEW_MODELS) {
      for (int m = 0; m < extra; m++) {
        catalog.add("new" + m, "tenant-" + tenantSizes.next(random));
      }
    } else if (scenario == Scenario.BIG_MODEL) {
      // Half of one node's memory: node = f * (baseBytes + big) / nodes, solved for big.
      double f = p.capacityFraction();
      long big = (long) (0.5 * f * catalog.bytes() / (p.nodes() - 0.5 * f));
      bigModel = catalog.addSized("big0", "tenant-big", big);
    } else if (scenario == Scenario.NOISY_TENANT) {
      for (int m = 0; m < extra; m++) {
        catalog.add("scan" + m, "tenant-noisy");
      }
    }
    ModelCatalog models = catalog.build(Math.min(3, p.nodes()), bigModel);
    int[] popularity = shuffledRanks(base, random);
    ZipfSampler zipf = new ZipfSampler(base, p.zipfExponent());
    int[] alternate = scenario == Scenario.DIURNAL ? shuffledRanks(base, random) : null;
    int n = (int) p.requests();
    long[] times = new long[n];
    int[] picks = new int[n];
    double clock = 0;
    double meanGap = 1000.0 / p.ratePerSecond();
    long duration = p.durationMillis();
    Picker picker = new Picker(scenario, base, extra, duration, random);
    for (int i = 0; i < n; i++) {
      clock += -Math.log(1.0 - random.nextDouble()) * meanGap;
      long t = (long) clock;
      times[i] = t;
      int special = picker.special(t);
      if (special >= 0) {
        picks[i] = special;
      } else if (alternate != null && random.nextDouble() > diurnalWeight(t, duration)) {
        picks[i] = alternate[zipf.next(random)];
      } else {
        picks[i] = popularity[zipf.next(random)];
      }
    }
    return new Trace(models, times, picks);
  }

  /** Weight of the first popularity order: 1 at the start, 0 half a day later, 1 again at the end. */
  private static double diurnalWeight(long t, long day) {
    return 0.5 + 0.5 * Math.cos(2 * Math.PI * t / Math.max(1, day));
  }

  private static int[] shuffledRanks(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /** The scenario-specific part of the request stream: returns a model, or -1 for the base Zipf. */
  private static final class Picker {
    private final Scenario scenario;
    private final int base;
    private final int extra;
    private final long duration;
    private final SplittableRandom random;
    private final int[] burstSet = new int[5];
    private long burstEpoch = -1;
    private int scanNext;

    Picker(Scenario scenario, int base, int extra, long duration, SplittableRandom random) {
      this.scenario = scenario;
      this.base = base;
      this.extra = extra;
      this.duration = duration;
      this.random = random;
    }

    int special(long t) {
      switch (scenario) {
        case BURSTS: {
          long epoch = t / 300_000;
          if (t % 300_000 >= 30_000 || random.nextDouble() >= 0.5) {
            return -1;
          }
          if (epoch != burstEpoch) {
            burstEpoch = epoch;
            for (int i = 0; i < burstSet.length; i++) {
              burstSet[i] = random.nextInt(base);
            }
          }
          return burstSet[random.nextInt(burstSet.length)];
        }
        case NEW_MODELS: {
          int arrived = (int) Math.min(extra, (long) extra * t / Math.max(1, duration) + 1);
          if (random.nextDouble() >= 0.2) {
            return -1;
          }
          int age = (int) (-Math.log(1.0 - random.nextDouble()) * 10);
          return base + Math.max(0, arrived - 1 - Math.min(age, arrived - 1));
        }
        case BIG_MODEL:
          return t >= duration / 2 && random.nextDouble() < 0.002 ? base : -1;
        case NOISY_TENANT: {
          if (t < duration / 3 || random.nextDouble() >= 0.1) {
            return -1;
          }
          int model = base + scanNext;
          scanNext = (scanNext + 1) % extra;
          return model;
        }
        default:
          return -1;
      }
    }
  }

  /** Accumulates catalog columns. */
  static final class CatalogBuilder {
    private final List<String> ids = new ArrayList<>();
    private final List<String> tenantNames = new ArrayList<>();
    private final java.util.Map<String, Integer> tenantIndex = new java.util.HashMap<>();
    private long[] sizes;
    private long[] loads;
    private int[] tenants;
    private final SplittableRandom random;
    private long bytes;

    CatalogBuilder(int capacity, SplittableRandom random) {
      this.sizes = new long[capacity];
      this.loads = new long[capacity];
      this.tenants = new int[capacity];
      this.random = random;
    }

    int add(String id, String tenant) {
      return addSized(id, tenant, ModelShapes.sampleSize(random));
    }

    int addSized(String id, String tenant, long size) {
      return addWith(id, tenant, size, ModelShapes.loadMillis(size, random));
    }

    int addWith(String id, String tenant, long size, long loadMillis) {
      int m = ids.size();
      if (m == sizes.length) {
        int grown = Math.max(16, m * 2);
        sizes = java.util.Arrays.copyOf(sizes, grown);
        loads = java.util.Arrays.copyOf(loads, grown);
        tenants = java.util.Arrays.copyOf(tenants, grown);
      }
      ids.add(id);
      sizes[m] = size;
      loads[m] = loadMillis;
      tenants[m] = tenantIndex.computeIfAbsent(tenant, t -> {
        tenantNames.add(t);
        return tenantNames.size() - 1;
      });
      bytes += size;
      return m;
    }

    long bytes() {
      return bytes;
    }

    ModelCatalog build(int maxCopies, int bigModel) {
      int n = ids.size();
      return new ModelCatalog(ids.toArray(new String[0]), java.util.Arrays.copyOf(sizes, n),
          java.util.Arrays.copyOf(loads, n), java.util.Arrays.copyOf(tenants, n), tenantNames,
          maxCopies, bigModel);
    }
  }
}
