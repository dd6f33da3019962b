package io.densemesh.runtimeserver;

import io.densemesh.config.ConfigException;
import io.densemesh.config.GrpcAddress;
import java.time.Duration;

/**
 * Options of {@code densemesh runtime} (read by {@code io.densemesh.cli.RuntimeCommand}),
 * validated here.
 *
 * @param listen TCP {@code host:port} or {@code unix:/path} to serve on
 * @param capacityBytes memory reported to nodes for models
 * @param loadingSlots loads run at once (reported as maxLoadingConcurrency)
 * @param loadTimeout reported as modelLoadingTimeoutMs: the node cancels slower loads
 * @param defaultModelSizeBytes reported default model size
 * @param intraOpThreads threads one ONNX inference may use
 * @param maxMessageBytes largest request accepted
 * @param maxTensorElements largest element count one input tensor may describe
 */
public record RuntimeServerOptions(
    GrpcAddress listen,
    long capacityBytes,
    int loadingSlots,
    Duration loadTimeout,
    long defaultModelSizeBytes,
    int intraOpThreads,
    int maxMessageBytes,
    long maxTensorElements) {

  public RuntimeServerOptions {
    require(capacityBytes >= 1 << 20, "--capacity must be at least 1m");
    require(loadingSlots >= 1 && loadingSlots <= 256, "--loading-slots must be 1..256");
    require(!loadTimeout.isNegative() && !loadTimeout.isZero()
        && loadTimeout.toMillis() <= Integer.MAX_VALUE, "--load-timeout must be > 0 and < 24d");
    require(defaultModelSizeBytes >= 1, "--default-model-size must be > 0");
    require(intraOpThreads >= 1 && intraOpThreads <= 256, "--intra-op-threads must be 1..256");
    require(maxMessageBytes >= 1024, "--max-message-size must be at least 1k");
    require(maxTensorElements >= 1, "--max-tensor-elements must be >= 1");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
