package io.densemesh.admission;

import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.serving.Serving;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The node-wide in-flight limit as a link of the serving chain, so every front end (gRPC and
 * REST) gets it: a request is admitted for as long as it runs or waits here, or refused at once
 * with RESOURCE_EXHAUSTED / 429. Readiness questions are never refused (they do no work).
 */
public final class AdmittedServing implements Serving {

  private final Serving served;
  private final Admission admission;

  public AdmittedServing(Serving served, Admission admission) {
    this.served = served;
    this.admission = admission;
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    if (Admission.admittedHere()) {
      return served.infer(model, inputs, outputs, timeout);
    }
    try (Admission.Ticket ticket = admission.enter()) {
      return served.infer(model, inputs, outputs, timeout);
    }
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    if (Admission.admittedHere()) {
      return served.metadata(model, timeout);
    }
    try (Admission.Ticket ticket = admission.enter()) {
      return served.metadata(model, timeout);
    }
  }

  @Override
  public boolean ready(ModelSpec model) {
    return served.ready(model);
  }
}
