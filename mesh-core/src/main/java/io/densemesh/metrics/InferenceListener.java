package io.densemesh.metrics;

/**
 * Told of every inference this node serves itself (by {@link MeteredServing}), after it
 * finished. Runs on the request's thread: implementations must be quick and never block.
 */
@FunctionalInterface
public interface InferenceListener {

  /** A listener that does nothing. */
  InferenceListener NONE = (modelId, tenant, nanos, ok) -> { };

  /**
   * @param modelId the model served
   * @param tenant the tenant label the request was counted under (capped as in
   *     {@link ModelLabels})
   * @param nanos time from the call to its answer
   * @param ok whether it succeeded
   */
  void served(String modelId, String tenant, long nanos, boolean ok);
}
