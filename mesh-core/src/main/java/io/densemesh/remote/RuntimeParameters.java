package io.densemesh.remote;

import io.densemesh.api.mmesh.RuntimeStatusResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What a runtime told the node about itself in {@code runtimeStatus}, with the node's defaults
 * where it left a value at zero.
 *
 * @param capacityBytes memory for models; 0 when the runtime did not say
 * @param maxLoadingConcurrency loads the node runs at once against this runtime
 * @param loadTimeout deadline of one {@code loadModel} call
 * @param defaultModelSizeBytes size assumed when neither prediction nor measurement is given
 * @param version the runtime's version string
 * @param idInjectionPaths inference method ("package.Service/Method") to its id injection path
 *     (empty path: header only)
 * @param allowAnyMethod whether methods outside {@code idInjectionPaths} may be forwarded
 * @param limitModelConcurrency whether {@code LoadModelResponse.maxConcurrency} is honoured
 */
public record RuntimeParameters(
    long capacityBytes,
    int maxLoadingConcurrency,
    Duration loadTimeout,
    long defaultModelSizeBytes,
    String version,
    Map<String, int[]> idInjectionPaths,
    boolean allowAnyMethod,
    boolean limitModelConcurrency) {

  static final long FALLBACK_MODEL_SIZE = 1L << 20;

  public RuntimeParameters {
    idInjectionPaths = Map.copyOf(idInjectionPaths);
  }

  static RuntimeParameters from(RuntimeStatusResponse status, Duration nodeLoadTimeout) {
    Map<String, int[]> paths = new HashMap<>();
    status.getMethodInfosMap().forEach((method, info) ->
        paths.put(method, info.getIdInjectionPathList().stream().mapToInt(Integer::intValue)
            .toArray()));
    return new RuntimeParameters(
        status.getCapacityInBytes(),
        Math.max(1, status.getMaxLoadingConcurrency()),
        status.getModelLoadingTimeoutMs() > 0
            ? Duration.ofMillis(Integer.toUnsignedLong(status.getModelLoadingTimeoutMs()))
            : nodeLoadTimeout,
        status.getDefaultModelSizeInBytes() > 0 ? status.getDefaultModelSizeInBytes()
            : FALLBACK_MODEL_SIZE,
        status.getRuntimeVersion(),
        paths,
        status.getAllowAnyMethod(),
        status.getLimitModelConcurrency());
  }

  /**
   * Whether the runtime serves a method: methodInfos is an allow-list unless it is empty or
   * allowAnyMethod is set.
   */
  boolean serves(String method) {
    return allowAnyMethod || idInjectionPaths.isEmpty() || idInjectionPaths.containsKey(method);
  }

  /** Where to inject the model id into a method's request; empty for header-only. */
  int[] injectionPath(String method) {
    int[] path = idInjectionPaths.get(method);
    return path == null ? new int[0] : path.clone();
  }
}
