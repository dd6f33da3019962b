package io.densemesh.cache;

import io.densemesh.placement.EvictionPlan;
import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.units.ByteSizes;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's two memory budgets, host (less a configurable headroom) and GPU, and what each copy
 * holds in them. A load reserves its predicted bytes, is corrected to what it measured, and
 * returns its charge when it fails or unloads. When a reservation does not fit, room is made by
 * an {@link Evictor}: a host deficit is planned first, a GPU deficit among the copies holding GPU
 * memory, and every victim retired returns both its charges. All of it happens under one lock.
 */
final class MemoryAccountant {

  private static final Logger log = LoggerFactory.getLogger(MemoryAccountant.class);
  /** Rounds of plan-and-retire before giving up (a victim may be taken by a request meanwhile). */
  private static final int ATTEMPTS = 8;

  /** One holder's share of the budgets; changed only by the accountant, under its lock. */
  static final class Charge {
    private long bytes;
    private long gpuBytes;

    long bytes() {
      return bytes;
    }

    long gpuBytes() {
      return gpuBytes;
    }
  }

  /** Where room comes from; called under the accountant's lock. */
  interface Evictor {
    /** Which copies would go to free {@code deficitBytes} of host ({@code gpu} false) or GPU. */
    EvictionPlan plan(boolean gpu, long deficitBytes, long incomingBytes);

    /** Retires the plan's victims still idle and returns their charges. */
    List<Charge> retire(EvictionPlan plan);
  }

  private final long capacityBytes;
  private final long gpuCapacityBytes;
  private final Object lock = new Object();
  private volatile long headroomBytes;
  private long chargedBytes; // guarded by lock
  private long chargedGpuBytes; // guarded by lock

  /** @param gpuCapacityBytes 0 on a node whose runtimes use no GPU */
  MemoryAccountant(long capacityBytes, long gpuCapacityBytes) {
    this.capacityBytes = capacityBytes;
    this.gpuCapacityBytes = gpuCapacityBytes;
  }

  /**
   * Charges {@code bytes} and {@code gpuBytes} to {@code charge}, retiring the evictor's victims
   * when over either budget.
   *
   * @throws CapacityExhaustedException room cannot be made now (nothing is charged)
   */
  void reserve(Charge charge, long bytes, long gpuBytes, Evictor evictor) {
    synchronized (lock) {
      if (!makeRoom(bytes, gpuBytes, evictor)) {
        throw exhausted(bytes, gpuBytes);
      }
      chargedBytes += bytes;
      charge.bytes = bytes;
      chargedGpuBytes += gpuBytes;
      charge.gpuBytes = gpuBytes;
    }
  }

  /**
   * Corrects a reservation to the measured sizes, making more room if they grew. Host memory is
   * best effort (the model is loaded; the node runs over until copies in use are released); GPU
   * memory must fit, else this throws and the charge stays as it was (the caller releases it).
   */
  void recharge(Charge charge, long measured, long measuredGpu, Evictor evictor) {
    synchronized (lock) {
      long growth = measured - charge.bytes;
      long gpuGrowth = measuredGpu - charge.gpuBytes;
      if ((growth > 0 || gpuGrowth > 0)
          && !makeRoom(Math.max(0, growth), Math.max(0, gpuGrowth), evictor)) {
        if (gpuGrowth > 0 && chargedGpuBytes + gpuGrowth > gpuCapacityBytes) {
          throw exhausted(0, gpuGrowth);
        }
        log.warn("node is {} over its capacity until models in use are released",
            ByteSizes.format(chargedBytes + growth - limitBytes()));
      }
      chargedBytes += growth;
      charge.bytes = measured;
      chargedGpuBytes += gpuGrowth;
      charge.gpuBytes = measuredGpu;
    }
  }

  /** Returns everything the charge holds; a charge holding nothing changes nothing. */
  void release(Charge charge) {
    synchronized (lock) {
      chargedBytes -= charge.bytes;
      charge.bytes = 0;
      chargedGpuBytes -= charge.gpuBytes;
      charge.gpuBytes = 0;
    }
  }

  /** Caller holds the lock. Retires victims until both fit; @return whether both fit now */
  private boolean makeRoom(long bytes, long gpuBytes, Evictor evictor) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      long deficit = chargedBytes + bytes - limitBytes();
      long gpuDeficit = chargedGpuBytes + gpuBytes - gpuCapacityBytes;
      if (deficit <= 0 && gpuDeficit <= 0) {
        return true;
      }
      EvictionPlan plan = deficit > 0 ? evictor.plan(false, deficit, bytes) : null;
      if ((plan == null || !plan.sufficient()) && gpuDeficit > 0) {
        plan = evictor.plan(true, gpuDeficit, gpuBytes); // GPU may still be freed
      }
      if (!plan.sufficient()) {
        return false;
      }
      for (Charge victim : evictor.retire(plan)) {
        release(victim);
      }
    }
    return chargedBytes + bytes <= limitBytes() && chargedGpuBytes + gpuBytes <= gpuCapacityBytes;
  }

  private CapacityExhaustedException exhausted(long bytes, long gpuBytes) {
    if (chargedGpuBytes + gpuBytes > gpuCapacityBytes) {
      return new CapacityExhaustedException(
          "no GPU room to load a model of " + ByteSizes.format(gpuBytes) + ": "
              + ByteSizes.format(chargedGpuBytes) + " of " + ByteSizes.format(gpuCapacityBytes)
              + " GPU memory is held by models serving requests or loading");
    }
    return new CapacityExhaustedException(
        "no room to load a model of " + ByteSizes.format(bytes) + ": "
            + ByteSizes.format(chargedBytes) + " of " + ByteSizes.format(limitBytes())
            + " is held by models serving requests or loading");
  }

  /** Capacity less the configured headroom: what resident models may hold. */
  long limitBytes() {
    return capacityBytes - headroomBytes;
  }

  /** Keeps {@code fraction} of the capacity free (0 to 0.9); takes effect at the next load. */
  void setHeadroomFraction(double fraction) {
    if (!(fraction >= 0 && fraction <= 0.9)) {
      throw new IllegalArgumentException("headroom fraction must be 0..0.9: " + fraction);
    }
    this.headroomBytes = (long) (capacityBytes * fraction);
  }

  long capacityBytes() {
    return capacityBytes;
  }

  long gpuCapacityBytes() {
    return gpuCapacityBytes;
  }

  long usedBytes() {
    synchronized (lock) {
      return chargedBytes;
    }
  }

  long gpuUsedBytes() {
    synchronized (lock) {
      return chargedGpuBytes;
    }
  }
}
