package io.densemesh.perf.soak;

import java.util.ArrayList;
import java.util.List;

/**
 * The faults the soak injected, each with the interval during which failures are expected: from
 * the fault until it is over (etcd healthy again, a killed node's instance expired) plus the
 * recovery window. A failed request is charged to the first fault whose window holds it, or to
 * "outside" when none does.
 */
final class FaultLog {

  /** One fault; {@code endNanos} is when it was over (Long.MAX_VALUE while it lasts). */
  static final class Fault {
    final String name;
    final long startNanos;
    volatile long endNanos = Long.MAX_VALUE;
    long failedInWindow;
    long failedAfterWindow;

    Fault(String name, long startNanos) {
      this.name = name;
      this.startNanos = startNanos;
    }
  }

  private final long recoveryNanos;
  private final List<Fault> faults = new ArrayList<>();

  FaultLog(long recoveryNanos) {
    this.recoveryNanos = recoveryNanos;
  }

  synchronized Fault begin(String name, long nowNanos) {
    Fault f = new Fault(name, nowNanos);
    faults.add(f);
    return f;
  }

  synchronized void end(Fault fault, long nowNanos) {
    fault.endNanos = nowNanos;
  }

  /**
   * Charges a failure at {@code atNanos}: true if inside a fault's window. A failure after a
   * window but before the next fault counts against the latest fault as a failure after its window.
   */
  synchronized boolean failed(long atNanos) {
    Fault latest = null;
    for (Fault f : faults) {
      if (atNanos >= f.startNanos) {
        latest = f;
        if (f.endNanos == Long.MAX_VALUE || atNanos <= f.endNanos + recoveryNanos) {
          f.failedInWindow++;
          return true;
        }
      }
    }
    if (latest != null) {
      latest.failedAfterWindow++;
    }
    return false;
  }

  synchronized List<Fault> faults() {
    return List.copyOf(faults);
  }
}
