package io.densemesh.placement;

/**
 * How many copies a model should have now. The caller loads or unloads copies to move toward the
 * target; a target of zero means "unload when idle", never "unload a copy in use".
 *
 * <p>Contract: the result is within {@code [demand.floorCopies(), demand.maxCopies()]}, and a model
 * with no copies and no floor gets 0 (models load on demand, not ahead of it). Pure.
 */
public interface CopyPolicy {

  /**
   * @param demand the model's bounds
   * @param usage its recent usage ({@code copies} is the current number of copies)
   * @param nowMillis the caller's clock
   */
  int target(ModelDemand demand, ModelUsage usage, long nowMillis);

  /** Clamps a wanted count to the model's bounds and applies the idle TTL (0 = no TTL). */
  static int bounded(ModelDemand demand, ModelUsage usage, int wanted, long idleTtlMillis, long nowMillis) {
    int floor = demand.floorCopies();
    if (idleTtlMillis > 0 && nowMillis - usage.lastUsedMillis() >= idleTtlMillis) {
      return floor;
    }
    if (usage.copies() == 0) {
      return floor;
    }
    return Math.max(floor, Math.min(demand.maxCopies(), wanted));
  }
}
