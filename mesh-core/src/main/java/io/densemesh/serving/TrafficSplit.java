package io.densemesh.serving;

import io.densemesh.api.registry.VModelRoute;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Chooses, per request, which of a vmodel's weighted routes serves it and which shadows get a
 * copy. Without a key the choice is random by weight; with a key (the {@code mm-split-key}
 * header) it is a stable hash of the key, the same on every node and every call, so one end user
 * always sees the same model while the split is unchanged. Shadows are sampled independently.
 */
public final class TrafficSplit {

  private TrafficSplit() {}

  /** The serving route's model id for a request; {@code routes} has at least one serving route. */
  public static String choose(List<VModelRoute> routes, String key, DoubleSupplier random) {
    long total = 0;
    for (VModelRoute r : routes) {
      total += r.getShadow() ? 0 : r.getWeight();
    }
    if (total <= 0) {
      throw new IllegalArgumentException("a split needs a serving route with a positive weight");
    }
    double point = key == null || key.isEmpty() ? random.getAsDouble() : unit(key);
    long ticket = Math.min(total - 1, (long) (point * total));
    String last = null;
    for (VModelRoute r : routes) {
      if (r.getShadow() || r.getWeight() <= 0) {
        continue;
      }
      if (ticket < r.getWeight()) {
        return r.getModelId();
      }
      ticket -= r.getWeight();
      last = r.getModelId();
    }
    return last;
  }

  /** The shadows that get a copy of this request (each sampled at its own percentage). */
  public static List<String> shadows(List<VModelRoute> routes, DoubleSupplier random) {
    List<String> chosen = List.of();
    for (VModelRoute r : routes) {
      if (r.getShadow() && random.getAsDouble() * 100 < r.getShadowPercent()) {
        if (chosen.isEmpty()) {
          chosen = new ArrayList<>(2);
        }
        chosen.add(r.getModelId());
      }
    }
    return chosen;
  }

  /** The heaviest serving route's model (first on a tie): what getVModelStatus reports. */
  public static String primary(List<VModelRoute> routes) {
    VModelRoute best = null;
    for (VModelRoute r : routes) {
      if (!r.getShadow() && (best == null || r.getWeight() > best.getWeight())) {
        best = r;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("a split needs a serving route");
    }
    return best.getModelId();
  }

  /**
   * A key's place in [0, 1): FNV-1a over its UTF-8 bytes, finished with SplitMix64's mixer so
   * that similar keys spread evenly. Fixed by this code, never by the JVM, so every node agrees.
   */
  static double unit(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1.0p-53;
  }
}
