package io.densemesh.batching;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.serving.Serving;
import io.grpc.Context;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Dynamic batching in front of a model's serving, opted into per model ({@link BatchPolicy}). A
 * request is validated alone first (a bad request fails alone, never in a batch), then queued in
 * its model's {@link ModelBatcher}. Models without a policy, requests that cannot be batched
 * (scalar inputs, disagreeing first dimensions, already a full batch) and models whose inputs do
 * not have a dynamic first dimension go straight through. The caller's deadline bounds its wait;
 * a cancelled gRPC call leaves the queue at once.
 */
public final class BatchingServing implements Serving {

  /** Models with a batching queue at most (least recently used beyond are dropped when idle). */
  public static final int MAX_BATCHERS = 10_000;

  private final Serving delegate;
  private final InputValidator validator;
  private final Optional<BatchPolicy> nodeDefault;
  private final Duration loadTimeout;
  private final Executor runner;
  private final ScheduledExecutorService timer;
  private final LongSupplier nanoTime;
  private final IntConsumer runs;
  private final Cache<String, ModelBatcher> batchers =
      Caffeine.newBuilder().maximumSize(MAX_BATCHERS).executor(Runnable::run).build();
  private final Cache<String, Optional<BatchPolicy>> policies =
      Caffeine.newBuilder().maximumSize(MAX_BATCHERS).executor(Runnable::run).build();

  /**
   * @param nodeDefault the policy of models whose key names none (empty: batching off)
   * @param runner runs batches that are not run by a waiting caller's own thread
   * @param timer fires the queue-delay flushes
   * @param runs told the number of requests in every run of a batching model
   */
  public BatchingServing(Serving delegate, InputValidator validator,
      Optional<BatchPolicy> nodeDefault, Duration loadTimeout, Executor runner,
      ScheduledExecutorService timer, LongSupplier nanoTime, IntConsumer runs) {
    this.runs = runs;
    this.delegate = delegate;
    this.validator = validator;
    this.nodeDefault = nodeDefault;
    this.loadTimeout = loadTimeout;
    this.runner = runner;
    this.timer = timer;
    this.nanoTime = nanoTime;
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    Optional<BatchPolicy> policy = policyOf(model);
    if (policy.isEmpty()) {
      return delegate.infer(model, inputs, outputs, timeout);
    }
    Optional<TensorBatch.Signature> signature = TensorBatch.signature(inputs, outputs);
    if (signature.isEmpty() || TensorBatch.rows(inputs) >= policy.get().maxBatchSize()) {
      return delegate.infer(model, inputs, outputs, timeout);
    }
    Duration wait = timeout == null || timeout.compareTo(loadTimeout) > 0 ? loadTimeout : timeout;
    ModelMetadata metadata = delegate.metadata(model, wait);
    validator.validate(metadata, inputs, outputs);
    ModelBatcher batcher = batcherOf(model, policy.get(), metadata);
    if (batcher == null || !batcher.splittable()) {
      return delegate.infer(model, inputs, outputs, timeout);
    }
    long deadline = nanoTime.getAsLong() + wait.toNanos();
    ModelBatcher.Pending pending = new ModelBatcher.Pending(inputs, outputs, signature.get(),
        TensorBatch.rows(inputs), deadline);
    Context context = Context.current();
    Context.CancellationListener cancel = c -> pending.result.cancel(false);
    context.addListener(cancel, Runnable::run);
    try {
      batcher.submit(pending);
      return pending.result.get(Math.max(0, deadline - nanoTime.getAsLong()),
          TimeUnit.NANOSECONDS);
    } catch (TimeoutException | CancellationException e) {
      pending.result.cancel(false);
      throw new DeadlineExceededException("model '" + model.modelId()
          + "' did not answer within " + wait.toMillis() + " ms (waiting for its batch)");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.result.cancel(false);
      throw new DeadlineExceededException("interrupted while waiting for a batch");
    } finally {
      context.removeListener(cancel);
    }
  }

  /** The model's policy: from its key's {@code batching}, else the node's default. */
  Optional<BatchPolicy> policyOf(ModelSpec model) {
    return policies.get(model.key(), key -> {
      try {
        Optional<BatchPolicy> own = BatchPolicy.fromKey(key);
        return own.isPresent() || key.contains("\"batching\"") ? own : nodeDefault;
      } catch (InvalidInputException e) {
        throw new InvalidInputException("model '" + model.modelId() + "' has a bad batching "
            + "setting in its key: " + e.getMessage());
      }
    });
  }

  /** The model's queue, or null when its inputs or outputs have no dynamic first dimension. */
  private ModelBatcher batcherOf(ModelSpec model, BatchPolicy policy, ModelMetadata metadata) {
    ModelBatcher current = batchers.getIfPresent(model.modelId());
    if (current != null && current.policy().equals(policy) && current.model().equals(model)) {
      return current;
    }
    if (!dynamicFirstDimension(metadata.inputs()) || !dynamicFirstDimension(metadata.outputs())) {
      return null;
    }
    return batchers.asMap().compute(model.modelId(), (id, old) ->
        old != null && old.policy().equals(policy) && old.model().equals(model) ? old
            : new ModelBatcher(model, policy, delegate, runner, timer, nanoTime, runs));
  }

  private static boolean dynamicFirstDimension(List<TensorSpec> specs) {
    return !specs.isEmpty() && specs.stream()
        .allMatch(s -> s.rank() >= 1 && s.shape().get(0) < 0);
  }

  /** Requests of a model waiting in its queue now (for tests). */
  int queued(String modelId) {
    ModelBatcher b = batchers.getIfPresent(modelId);
    return b == null ? 0 : b.queued();
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    return delegate.metadata(model, timeout);
  }

  @Override
  public boolean ready(ModelSpec model) {
    return delegate.ready(model);
  }
}
