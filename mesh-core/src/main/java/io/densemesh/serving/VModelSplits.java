package io.densemesh.serving;

import io.densemesh.api.admin.GetVModelRoutesRequest;
import io.densemesh.api.admin.Route;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.api.registry.VModelRoute;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Traffic splits on vmodels ({@code densemesh.v1.VModelRouting}): weighted serving routes and
 * sampled shadows, with {@code setVModel}'s owner and tenant rules and a generation number for
 * compare-and-set. A new split waits as {@code pending_routes} until every model in it is loaded
 * ({@link #modelLoaded}), as a vmodel transition does, unless forced, unless the vmodel is new,
 * or unless nothing of the current split has a copy anywhere (waiting would serve nothing).
 */
public final class VModelSplits {

  /** Most routes (serving and shadow) one vmodel may have. */
  public static final int MAX_ROUTES = 16;

  private static final int CAS_ATTEMPTS = 16;

  private final Registry registry;
  private final ModelManagement models;
  private final RouteCounters counters;

  public VModelSplits(Registry registry, ModelManagement models, RouteCounters counters) {
    this.registry = registry;
    this.models = models;
    this.counters = counters;
  }

  /** Sets a vmodel's routes on behalf of {@code scope}; see the service's proto comment. */
  public VModelRoutes set(SetVModelRoutesRequest req, TenantScope scope) {
    String id = req.getVmodelId();
    ModelManagement.requireId("vmodelId", id);
    checkPreconditions(req, registry.vmodel(id), scope);
    List<VModelRoute> routes = validated(req.getRoutesList(), scope);
    // Everything that can refuse the call was checked: register the routes' new models now.
    List<String> created = register(req.getRoutesList(), scope);
    try {
      return write(req, routes, scope);
    } catch (RuntimeException e) {
      created.forEach(models::deleteIfOrphaned); // refused after all: no orphans
      throw e;
    }
  }

  private List<String> register(List<Route> requested, TenantScope scope) {
    List<String> created = new ArrayList<>();
    for (Route r : requested) {
      if (hasInfo(r) && registry.model(r.getModelId()).isEmpty()) {
        models.register(r.getModelId(), r.getModelInfo(), false, false, 0L, r.getAutoDelete(),
            scope);
        created.add(r.getModelId());
      }
    }
    return created;
  }

  private static boolean hasInfo(Route r) {
    return r.hasModelInfo()
        && !r.getModelInfo().equals(io.densemesh.api.mmesh.ModelInfo.getDefaultInstance());
  }

  private VModelRoutes write(SetVModelRoutesRequest req, List<VModelRoute> routes,
      TenantScope scope) {
    String id = req.getVmodelId();
    Set<String> replaced = new HashSet<>();
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<VModelRecord>> existing = registry.vmodel(id);
      checkPreconditions(req, existing, scope);
      VModelRecord next;
      long version;
      String primary = TrafficSplit.primary(routes);
      if (existing.isEmpty()) {
        String tenant = scope.scoped() ? scope.tenant()
            : registry.model(primary).map(m -> m.value().getTenant()).orElse("");
        next = VModelRecord.newBuilder().setVmodelId(id).setOwner(req.getOwner())
            .setTenant(tenant).setActiveModelId(primary).setTargetModelId(primary)
            .addAllRoutes(routes).setRoutesGeneration(1).build();
        version = 0;
      } else {
        VModelRecord current = existing.get().value();
        version = existing.get().version();
        VModelRecord.Builder b = current.toBuilder().setTransitionFailed(false)
            .setRoutesGeneration(current.getRoutesGeneration() + 1).clearPendingRoutes();
        if (req.getForce() || allLoaded(routes) || !anyCopies(servingModels(current))) {
          b.clearRoutes().addAllRoutes(routes).setActiveModelId(primary)
              .setTargetModelId(primary);
        } else {
          b.addAllPendingRoutes(routes);
        }
        next = b.build();
        replaced.clear();
        replaced.addAll(referenced(current));
      }
      if (registry.putVModel(next, version).isPresent()) {
        for (VModelRoute r : next.getPendingRoutesList()) {
          models.load(r.getModelId(), false); // the leader keeps at it until they are loaded
        }
        replaced.removeAll(referenced(next));
        replaced.forEach(models::deleteIfOrphaned);
        return describe(next);
      }
    }
    throw new UnavailableException("vmodel '" + id + "' kept changing; try again");
  }

  /** A vmodel's routes; NOT_FOUND when unknown, another tenant's, or of another owner. */
  public VModelRoutes get(GetVModelRoutesRequest req, TenantScope scope) {
    ModelManagement.requireId("vmodelId", req.getVmodelId());
    Optional<Versioned<VModelRecord>> found = registry.vmodel(req.getVmodelId());
    if (found.isEmpty() || !scope.sees(found.get().value().getTenant())
        || (!req.getOwner().isEmpty() && !req.getOwner().equals(found.get().value().getOwner()))) {
      throw new ModelNotFoundException("vmodel '" + req.getVmodelId() + "' not found");
    }
    return describe(found.get().value());
  }

  /** A model finished loading: splits waiting only for loaded models are applied. */
  public void modelLoaded(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (v.getPendingRoutesCount() > 0 && v.getPendingRoutesList().stream()
          .anyMatch(r -> r.getModelId().equals(modelId))) {
        applyPendingIfLoaded(v.getVmodelId());
      }
    }
  }

  /** Applies a vmodel's pending split when all its models are loaded; false when it waits. */
  public boolean applyPendingIfLoaded(String vmodelId) {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<VModelRecord>> current = registry.vmodel(vmodelId);
      if (current.isEmpty() || current.get().value().getPendingRoutesCount() == 0) {
        return false;
      }
      VModelRecord v = current.get().value();
      List<VModelRoute> pending = v.getPendingRoutesList();
      if (!allLoaded(pending)) {
        return false;
      }
      String primary = TrafficSplit.primary(pending);
      VModelRecord next = v.toBuilder().clearRoutes().addAllRoutes(pending).clearPendingRoutes()
          .setActiveModelId(primary).setTargetModelId(primary)
          .setRoutesGeneration(v.getRoutesGeneration() + 1).build();
      if (registry.putVModel(next, current.get().version()).isPresent()) {
        Set<String> replaced = referenced(v);
        replaced.removeAll(referenced(next));
        replaced.forEach(models::deleteIfOrphaned);
        return true;
      }
    }
    return false;
  }

  /** Every model a vmodel record names: active, target, routes and pending routes. */
  public static Set<String> referenced(VModelRecord v) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(v.getActiveModelId());
    ids.add(v.getTargetModelId());
    v.getRoutesList().forEach(r -> ids.add(r.getModelId()));
    v.getPendingRoutesList().forEach(r -> ids.add(r.getModelId()));
    return ids;
  }

  private static List<String> servingModels(VModelRecord v) {
    if (v.getRoutesCount() == 0) {
      return List.of(v.getActiveModelId());
    }
    return v.getRoutesList().stream().filter(r -> !r.getShadow())
        .map(VModelRoute::getModelId).toList();
  }

  private boolean allLoaded(List<VModelRoute> routes) {
    return routes.stream()
        .allMatch(r -> models.status(r.getModelId()).getStatus() == ModelStatus.LOADED);
  }

  private boolean anyCopies(List<String> ids) {
    return ids.stream().anyMatch(models::hasCopies);
  }

  private List<VModelRoute> validated(List<Route> requested, TenantScope scope) {
    if (requested.isEmpty()) {
      throw new InvalidInputException("routes must not be empty");
    }
    if (requested.size() > MAX_ROUTES) {
      throw new InvalidInputException("at most " + MAX_ROUTES + " routes, got "
          + requested.size());
    }
    List<VModelRoute> routes = new ArrayList<>(requested.size());
    Set<String> seen = new HashSet<>();
    boolean serving = false;
    for (Route r : requested) {
      ModelManagement.requireId("routes.model_id", r.getModelId());
      if (!seen.add(r.getModelId())) {
        throw new InvalidInputException("model '" + r.getModelId() + "' is in two routes");
      }
      if (r.getShadow()) {
        if (r.getWeight() != 0 || r.getShadowPercent() < 1 || r.getShadowPercent() > 100) {
          throw new InvalidInputException("shadow route '" + r.getModelId()
              + "' needs weight 0 and shadow_percent 1..100");
        }
      } else {
        if (r.getWeight() <= 0 || r.getShadowPercent() != 0) {
          throw new InvalidInputException("serving route '" + r.getModelId()
              + "' needs a positive weight and no shadow_percent");
        }
        serving = true;
      }
      Optional<Versioned<ModelRecord>> model = registry.model(r.getModelId());
      boolean visible = model.isPresent() && scope.sees(model.get().value().getTenant());
      if (hasInfo(r)) {
        if (model.isPresent() && (!visible
            || !ModelManagement.sameInfo(model.get().value(), r.getModelInfo()))) {
          throw new ConflictException("model '" + r.getModelId()
              + "' already exists with different model info");
        }
      } else if (!visible) {
        throw new ModelNotFoundException("model '" + r.getModelId() + "' is not registered");
      }
      routes.add(VModelRoute.newBuilder().setModelId(r.getModelId()).setWeight(r.getWeight())
          .setShadow(r.getShadow()).setShadowPercent(r.getShadowPercent()).build());
    }
    if (!serving) {
      throw new InvalidInputException("a split needs at least one serving (non-shadow) route");
    }
    return routes;
  }

  private static void checkPreconditions(SetVModelRoutesRequest req,
      Optional<Versioned<VModelRecord>> existing, TenantScope scope) {
    String id = req.getVmodelId();
    boolean visible = existing.isPresent() && scope.sees(existing.get().value().getTenant());
    if (req.getUpdateOnly() && !visible) {
      throw new ModelNotFoundException("vmodel '" + id + "' not found");
    }
    if (existing.isPresent() && (!visible
        || !req.getOwner().equals(existing.get().value().getOwner()))) {
      throw new ConflictException("vmodel '" + id + "' already exists with a different owner");
    }
    long expected = req.getExpectedGeneration();
    if (expected > 0) {
      long current = existing.map(v -> v.value().getRoutesGeneration()).orElse(0L);
      if (current != expected) {
        throw new PreconditionFailedException("vmodel '" + id + "' is at routes generation "
            + current + ", not the expected " + expected);
      }
    }
  }

  private VModelRoutes describe(VModelRecord v) {
    List<VModelRoute> routes = v.getRoutesCount() > 0 ? v.getRoutesList()
        : List.of(VModelRoute.newBuilder().setModelId(v.getActiveModelId()).setWeight(1).build());
    long total = routes.stream().filter(r -> !r.getShadow()).mapToLong(VModelRoute::getWeight)
        .sum();
    VModelRoutes.Builder out = VModelRoutes.newBuilder().setVmodelId(v.getVmodelId())
        .setOwner(v.getOwner()).setGeneration(v.getRoutesGeneration());
    for (VModelRoute r : routes) {
      RouteCounters.Snapshot c = counters.snapshot(v.getVmodelId(), r.getModelId(),
          r.getShadow());
      out.addRoutes(VModelRoutes.RouteStatus.newBuilder()
          .setRoute(route(r))
          .setShare(r.getShadow() ? r.getShadowPercent() / 100.0 : (double) r.getWeight() / total)
          .setRequests(c.requests()).setErrors(c.errors()).setMeanLatencyMs(c.meanLatencyMs())
          .setModelStatus(models.status(r.getModelId())));
    }
    v.getPendingRoutesList().forEach(r -> out.addPendingRoutes(route(r)));
    return out.build();
  }

  private static Route route(VModelRoute r) {
    return Route.newBuilder().setModelId(r.getModelId()).setWeight(r.getWeight())
        .setShadow(r.getShadow()).setShadowPercent(r.getShadowPercent()).build();
  }
}
