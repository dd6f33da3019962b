package io.densemesh.cache;

import io.densemesh.placement.EvictionPlan;
import io.densemesh.placement.ResidentCopy;
import java.util.Collection;

/**
 * Chooses which resident copies go to free {@code deficitBytes} for an incoming load. The
 * default is the eviction policy alone; a planner can weigh who the incoming model belongs to
 * (per-tenant quotas).
 */
@FunctionalInterface
public interface VictimPlanner {

  EvictionPlan plan(Collection<ResidentCopy> resident, long deficitBytes, long nowMillis,
      String incomingModelId, long incomingBytes);
}
