package io.densemesh.grpc;

import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.DeleteVModelResponse;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.api.mmesh.UnregisterModelResponse;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.auth.TenantRates;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.TenantScope;
import io.densemesh.serving.VModelManagement;
import io.densemesh.admission.Admission;
import io.densemesh.admission.SyncWaits;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.runtime.error.OverloadedException;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * ModelMesh management endpoint ({@code mmesh.ModelMesh}). Every call is authorised against the
 * model's or vmodel's tenant first; another tenant's model or vmodel gets exactly the answer a
 * missing one gets (NOT_FOUND status, or the no-op that unregistering a missing model is).
 */
public final class ModelMeshGrpcService extends ModelMeshGrpc.ModelMeshImplBase {

  private final ModelManagement models;
  private final VModelManagement vmodels;
  private final TenantGuard guard;
  private final TenantRates limits;
  /** How often a sync setVModel checks whether its transition settled (local state). */
  private static final java.time.Duration SETTLE_CHECK = java.time.Duration.ofMillis(10);

  private final SyncWaits waits;
  private final Executor answers;

  /**
   * @param waits the bound on calls with {@code sync} waiting for a load (without a thread)
   * @param answers where a waiting call's answer is made once its wait ends (the server's
   *     bounded executor)
   */
  public ModelMeshGrpcService(ModelManagement models, VModelManagement vmodels,
      TenantGuard guard, TenantRates limits, SyncWaits waits, Executor answers) {
    this.models = models;
    this.vmodels = vmodels;
    this.guard = guard;
    this.limits = limits;
    this.waits = waits;
    this.answers = answers;
  }

  private TenantScope scope(Principal caller) {
    return Callers.scope(caller, limits.limits().of(caller.tenant()).maxModels());
  }

  private Principal caller(Action action) {
    Principal caller = Callers.current();
    guard.requireRole(caller, action);
    return caller;
  }

  @Override
  public void registerModel(RegisterModelRequest request,
      StreamObserver<ModelStatusInfo> observer) {
    if (request.getLoadNow() && request.getSync()) {
      waitThenAnswer(observer, wait -> wait.until(models.registerAndLoad(
              request.getModelId(), request.getModelInfo(), request.getLastUsedTime(), false,
              scope(caller(Action.MANAGE))), Unary.remaining()),
          (wait, outcome) -> models.status(request.getModelId()));
      return;
    }
    Unary.run(observer, () -> models.register(request.getModelId(), request.getModelInfo(),
        request.getLoadNow(), request.getSync(), request.getLastUsedTime(), false,
        scope(caller(Action.MANAGE))));
  }

  @Override
  public void unregisterModel(UnregisterModelRequest request,
      StreamObserver<UnregisterModelResponse> observer) {
    Unary.run(observer, () -> {
      Principal caller = caller(Action.MANAGE);
      ModelManagement.requireId("modelId", request.getModelId());
      if (guard.model(caller, request.getModelId())) {
        models.unregister(request.getModelId());
      }
      return UnregisterModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getModelStatus(GetStatusRequest request, StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> {
      Principal caller = caller(Action.READ);
      ModelManagement.requireId("modelId", request.getModelId());
      return guard.model(caller, request.getModelId()) ? models.status(request.getModelId())
          : ModelManagement.notFound();
    });
  }

  @Override
  public void ensureLoaded(EnsureLoadedRequest request, StreamObserver<ModelStatusInfo> observer) {
    if (request.getSync()) {
      boolean[] visible = new boolean[1];
      waitThenAnswer(observer, wait -> {
        Principal caller = caller(Action.MANAGE);
        ModelManagement.requireId("modelId", request.getModelId());
        visible[0] = guard.model(caller, request.getModelId());
        return visible[0] ? wait.until(models.ensureLoadedAsync(request.getModelId()),
            Unary.remaining()) : null; // another tenant's: answered as a missing model
      }, (wait, outcome) -> visible[0] ? models.status(request.getModelId())
          : ModelManagement.notFound());
      return;
    }
    Unary.run(observer, () -> {
      Principal caller = caller(Action.MANAGE);
      ModelManagement.requireId("modelId", request.getModelId());
      return guard.model(caller, request.getModelId())
          ? models.ensureLoaded(request.getModelId(), request.getSync())
          : ModelManagement.notFound();
    });
  }

  /**
   * A management call with {@code sync}: {@code start} checks and writes now (its errors are the
   * answer) and starts the wait for the load (null: nothing to wait for); the wait holds no
   * thread, is bounded ({@link SyncWaits}, RESOURCE_EXHAUSTED beyond it) and ends at the load,
   * the caller's deadline or the load timeout, whichever is first; then {@code answer} makes the
   * answer on the executor, as ModelMesh answers (for a model: LOADED, LOADING_FAILED with its
   * reason, or LOADING when the wait ended first). A caller that cancels gets no answer and
   * frees its place at once.
   */
  private <T> void waitThenAnswer(StreamObserver<T> observer,
      Function<SyncWaits.Wait, CompletableFuture<SyncWaits.Outcome>> start,
      BiFunction<SyncWaits.Wait, SyncWaits.Outcome, T> answer) {
    SyncWaits.Wait wait;
    CompletableFuture<SyncWaits.Outcome> ended;
    try {
      wait = waits.enter();
    } catch (RuntimeException e) {
      observer.onError(ErrorMapping.grpcError(e));
      return;
    }
    Context context = Context.current();
    try {
      ended = start.apply(wait);
    } catch (RuntimeException e) {
      wait.cancel();
      Unary.run(observer, () -> {
        throw e;
      });
      return;
    }
    if (ended == null) {
      wait.cancel();
      Unary.run(observer, () -> answer.apply(wait, SyncWaits.Outcome.DONE));
      return;
    }
    Context.CancellationListener gaveUp = c -> wait.cancel();
    context.addListener(gaveUp, MoreExecutors.directExecutor());
    ended.whenComplete((outcome, failure) -> {
      context.removeListener(gaveUp);
      if (failure != null || context.isCancelled()) {
        return; // the caller is gone: no answer
      }
      try {
        answers.execute(context.wrap(() -> Unary.run(observer,
            () -> answer.apply(wait, outcome))));
      } catch (RejectedExecutionException full) {
        observer.onError(ErrorMapping.grpcError(new OverloadedException(
            "no thread free to answer the call", Admission.RETRY_AFTER)));
      }
    });
  }

  @Override
  public void setVModel(SetVModelRequest request, StreamObserver<VModelStatusInfo> observer) {
    if (request.getSync()) {
      VModelManagement.Pending[] pending = new VModelManagement.Pending[1];
      waitThenAnswer(observer, wait -> {
        pending[0] = vmodels.setAsync(request, scope(caller(Action.MANAGE)));
        String id = pending[0].vmodelId();
        return pending[0].transition()
            ? wait.until(pending[0].load(), () -> vmodels.settled(id), SETTLE_CHECK,
                Unary.remaining())
            : wait.until(pending[0].load(), Unary.remaining());
      }, (wait, outcome) -> vmodels.answer(pending[0], wait.limit()));
      return;
    }
    Unary.run(observer, () -> vmodels.set(request, scope(caller(Action.MANAGE)),
        Unary.remaining()));
  }

  @Override
  public void deleteVModel(DeleteVModelRequest request,
      StreamObserver<DeleteVModelResponse> observer) {
    Unary.run(observer, () -> {
      vmodels.delete(request.getVModelId(), request.getOwner(), scope(caller(Action.MANAGE)));
      return DeleteVModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getVModelStatus(GetVModelStatusRequest request,
      StreamObserver<VModelStatusInfo> observer) {
    Unary.run(observer, () -> vmodels.status(request.getVModelId(), request.getOwner(),
        scope(caller(Action.READ))));
  }
}
