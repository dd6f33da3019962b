package io.densemesh.runtime;

import java.util.Set;

/**
 * Parameters a runtime reports about itself (mirrors the ModelMesh runtime SPI's runtimeStatus).
 *
 * @param name runtime name and version
 * @param modelTypes model types it loads, lower case
 * @param maxLoadingConcurrency loads that may run at once
 * @param defaultModelSizeBytes a size most models are below, used before a model is measured
 */
public record RuntimeStatus(
    String name, Set<String> modelTypes, int maxLoadingConcurrency, long defaultModelSizeBytes) {

  public RuntimeStatus {
    modelTypes = Set.copyOf(modelTypes);
  }
}
