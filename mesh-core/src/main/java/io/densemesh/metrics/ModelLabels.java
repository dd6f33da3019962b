package io.densemesh.metrics;

import io.micrometer.core.instrument.Tags;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Label values that attribute inference to a tenant and, when opted in, to a model, with a hard
 * cap on how many distinct values each label takes: the first {@code maxValues} tenants (and
 * models) seen get their own series; any later one is counted under {@value #OTHER}, so a
 * million models can never mean a million series. Models without a tenant are
 * {@value #NO_TENANT}. The cap holds for the life of the process (series are never reassigned).
 */
public final class ModelLabels {

  public static final String OTHER = "_other";
  public static final String NO_TENANT = "default";

  private final boolean perModel;
  private final int maxValues;
  private final Function<String, String> tenantOf;
  private final Set<String> tenants = ConcurrentHashMap.newKeySet();
  private final Set<String> models = ConcurrentHashMap.newKeySet();

  /**
   * @param perModel whether to add the {@code model} label
   * @param maxValues distinct values per label before {@value #OTHER}
   * @param tenantOf a model id's tenant ("" for none)
   */
  public ModelLabels(boolean perModel, int maxValues, Function<String, String> tenantOf) {
    this.perModel = perModel;
    this.maxValues = maxValues;
    this.tenantOf = tenantOf;
  }

  /** The tags for one request to the model. */
  public Tags of(String modelId) {
    return of(modelId, tenant(modelId));
  }

  /** The tags for one request to the model whose {@link #tenant} label is already known. */
  public Tags of(String modelId, String tenantLabel) {
    Tags tags = Tags.of("tenant", tenantLabel);
    return perModel ? tags.and("model", capped(models, modelId)) : tags;
  }

  /** The model's tenant label: its tenant, {@value #NO_TENANT}, or {@value #OTHER} past the cap. */
  public String tenant(String modelId) {
    String tenant = tenantOf.apply(modelId);
    return capped(tenants, tenant.isEmpty() ? NO_TENANT : tenant);
  }

  private String capped(Set<String> seen, String value) {
    if (seen.contains(value)) {
      return value;
    }
    synchronized (seen) {
      if (seen.size() < maxValues) {
        seen.add(value);
        return value;
      }
    }
    return OTHER;
  }
}
