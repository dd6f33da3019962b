package io.densemesh.metrics;

import io.densemesh.errors.ErrorMapping;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.serving.Serving;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Counts and times every inference this node serves itself (whatever the protocol, forwarded
 * to it or not) as {@code densemesh_inference_seconds{tenant, status[, model]}}: the series that
 * lets a team attribute usage per tenant, and per model when opted in.
 */
public final class MeteredServing implements Serving {

  private final Serving served;
  private final NodeMetrics metrics;
  private final ModelLabels labels;
  private final InferenceListener listener;

  public MeteredServing(Serving served, NodeMetrics metrics, ModelLabels labels) {
    this(served, metrics, labels, InferenceListener.NONE);
  }

  /** As above, also telling {@code listener} of each inference served (the console's stats). */
  public MeteredServing(Serving served, NodeMetrics metrics, ModelLabels labels,
      InferenceListener listener) {
    this.served = served;
    this.metrics = metrics;
    this.labels = labels;
    this.listener = listener;
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    long start = System.nanoTime();
    Status.Code status = Status.Code.INTERNAL;
    try {
      List<Tensor> result = served.infer(model, inputs, outputs, timeout);
      status = Status.Code.OK;
      return result;
    } catch (RuntimeException e) {
      status = ErrorMapping.grpcStatus(e).getCode();
      throw e;
    } finally {
      long nanos = System.nanoTime() - start;
      String tenant = labels.tenant(model.modelId());
      metrics.inference(labels.of(model.modelId(), tenant), status, nanos);
      listener.served(model.modelId(), tenant, nanos, status == Status.Code.OK);
    }
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    return served.metadata(model, timeout);
  }

  @Override
  public boolean ready(ModelSpec model) {
    return served.ready(model);
  }
}
