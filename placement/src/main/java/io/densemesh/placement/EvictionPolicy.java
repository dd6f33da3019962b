package io.densemesh.placement;

import java.util.Collection;

/**
 * Chooses which resident copies on one instance to unload so that a new copy fits.
 *
 * <p>Contract for every implementation: evict only the deficit (stop as soon as the freed bytes
 * cover it), never pick a copy that is not {@link ResidentCopy#evictable()}, and evict nothing
 * when the deficit cannot be covered. Pure: the same inputs give the same plan.
 */
public interface EvictionPolicy {

  /**
   * @param resident copies currently resident on the instance
   * @param deficitBytes bytes that must be freed; {@code <= 0} means nothing to do
   * @param nowMillis the caller's clock, epoch millis
   */
  EvictionPlan victims(Collection<ResidentCopy> resident, long deficitBytes, long nowMillis);
}
