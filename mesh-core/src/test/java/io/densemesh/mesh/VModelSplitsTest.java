package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.admin.GetVModelRoutesRequest;
import io.densemesh.api.admin.Route;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.serving.RouteCounters;
import io.densemesh.serving.TenantScope;
import io.densemesh.serving.VModelSplits;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vmodel traffic splits on a simulated mesh: validation, owners, CAS, apply-when-loaded. */
class VModelSplitsTest {

  @TempDir Path dir;
  SimulatedMesh mesh;
  SimulatedNode node;
  VModelSplits splits;

  void start() {
    mesh = new SimulatedMesh(dir);
    node = mesh.node("a", 10_000);
    splits = new VModelSplits(mesh.registry, node.models, new RouteCounters());
    for (String id : new String[] {"stable", "canary", "shadow", "other"}) {
      mesh.register(id);
    }
  }

  @AfterEach
  void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  static Route serving(String id, int weight) {
    return Route.newBuilder().setModelId(id).setWeight(weight).build();
  }

  static Route shadow(String id, int percent) {
    return Route.newBuilder().setModelId(id).setShadow(true).setShadowPercent(percent).build();
  }

  static SetVModelRoutesRequest.Builder split(Route... routes) {
    SetVModelRoutesRequest.Builder b = SetVModelRoutesRequest.newBuilder().setVmodelId("v")
        .setOwner("team");
    for (Route r : routes) {
      b.addRoutes(r);
    }
    return b;
  }

  VModelRecord record() {
    return mesh.registry.vmodel("v").orElseThrow().value();
  }

  @Test
  void aNewVModelTakesItsSplitAtOnceAndReportsShares() {
    start();
    VModelRoutes routes = splits.set(split(serving("stable", 90), serving("canary", 10),
        shadow("shadow", 20)).build(), TenantScope.UNSCOPED);

    assertThat(record().getActiveModelId()).isEqualTo("stable");
    assertThat(record().getRoutesCount()).isEqualTo(3);
    assertThat(routes.getGeneration()).isEqualTo(1);
    assertThat(routes.getRoutesList()).extracting(r -> r.getShare())
        .containsExactly(0.9, 0.1, 0.2);
    assertThat(node.resolver.resolve("v", null, null, null).modelId())
        .isIn("stable", "canary");
  }

  @Test
  void aSplitWaitsForItsModelsWhileTheCurrentOneServesThenApplies() {
    start();
    node.vmodels.set(SetVModelRequest.newBuilder().setVModelId("v").setOwner("team")
        .setTargetModelId("other").build());
    node.load("other"); // the current model has a copy: a new split must wait for its models
    node.runtime.gate = new java.util.concurrent.CountDownLatch(1); // loads start, then wait

    splits.set(split(serving("stable", 50), serving("canary", 50)).build(),
        TenantScope.UNSCOPED);
    assertThat(record().getRoutesCount()).isZero();
    assertThat(record().getPendingRoutesCount()).isEqualTo(2);
    assertThat(node.resolver.resolve("v", null, null, null).modelId()).isEqualTo("other");
    assertThat(splits.applyPendingIfLoaded("v")).isFalse();

    node.runtime.gate.countDown();
    node.load("stable");
    node.load("canary");
    mesh.publishAll();
    assertThat(splits.applyPendingIfLoaded("v")).isTrue();
    assertThat(record().getRoutesList()).extracting(r -> r.getModelId())
        .containsExactly("stable", "canary");
    assertThat(record().getPendingRoutesCount()).isZero();
  }

  @Test
  void forceAppliesAtOnceAndPlainSetVModelReplacesTheSplit() {
    start();
    node.vmodels.set(SetVModelRequest.newBuilder().setVModelId("v").setOwner("team")
        .setTargetModelId("other").build());
    node.load("other");
    splits.set(split(serving("stable", 1), serving("canary", 1)).setForce(true).build(),
        TenantScope.UNSCOPED);
    assertThat(record().getRoutesCount()).isEqualTo(2);

    node.vmodels.set(SetVModelRequest.newBuilder().setVModelId("v").setOwner("team")
        .setTargetModelId("canary").setForce(true).build());
    assertThat(record().getRoutesCount()).isZero();
    assertThat(record().getActiveModelId()).isEqualTo("canary");
    assertThat(node.resolver.resolve("v", null, null, null).modelId()).isEqualTo("canary");
  }

  @Test
  void ownerGenerationAndRouteRulesRefuseBeforeWriting() {
    start();
    splits.set(split(serving("stable", 1)).build(), TenantScope.UNSCOPED);
    long generation = record().getRoutesGeneration();

    assertThatThrownBy(() -> splits.set(split(serving("canary", 1)).setOwner("else").build(),
        TenantScope.UNSCOPED)).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> splits.set(split(serving("canary", 1))
        .setExpectedGeneration(generation + 5).build(), TenantScope.UNSCOPED))
        .isInstanceOf(PreconditionFailedException.class);
    assertThatThrownBy(() -> splits.set(split(shadow("shadow", 10)).build(),
        TenantScope.UNSCOPED)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> splits.set(split(serving("stable", 1), serving("stable", 2))
        .build(), TenantScope.UNSCOPED)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> splits.set(split(serving("nope", 1)).build(),
        TenantScope.UNSCOPED)).isInstanceOf(ModelNotFoundException.class);
    assertThatThrownBy(() -> splits.set(split(serving("stable", 0)).build(),
        TenantScope.UNSCOPED)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> splits.set(split(serving("stable", 1)).setVmodelId("new")
        .setUpdateOnly(true).build(), TenantScope.UNSCOPED))
        .isInstanceOf(ModelNotFoundException.class);
    assertThat(record().getRoutesGeneration()).isEqualTo(generation);

    splits.set(split(serving("canary", 1)).setExpectedGeneration(generation).build(),
        TenantScope.UNSCOPED);
    assertThat(record().getRoutesGeneration()).isEqualTo(generation + 1);
  }

  @Test
  void anotherTenantsVModelAndModelsLookMissing() {
    start();
    splits.set(split(serving("stable", 1)).build(), TenantScope.UNSCOPED);
    TenantScope tenant = TenantScope.of("acme", 0);

    assertThatThrownBy(() -> splits.get(GetVModelRoutesRequest.newBuilder().setVmodelId("v")
        .build(), tenant)).isInstanceOf(ModelNotFoundException.class);
    assertThatThrownBy(() -> splits.set(split(serving("stable", 1)).setVmodelId("mine").build(),
        tenant)).isInstanceOf(ModelNotFoundException.class); // "stable" is not acme's
  }

  @Test
  void modelsInASplitCannotBeUnregisteredUnderIt() {
    start();
    splits.set(split(serving("stable", 9), shadow("shadow", 5)).build(), TenantScope.UNSCOPED);
    assertThatThrownBy(() -> node.models.unregister("shadow"))
        .isInstanceOf(PreconditionFailedException.class);
  }

  @Test
  void aRouteWithModelInfoRegistersItsModelAndARefusedCallLeavesNoneBehind() {
    start();
    io.densemesh.api.mmesh.ModelInfo info = io.densemesh.api.mmesh.ModelInfo.newBuilder()
        .setType("fake").setPath(mesh.registry.model("stable").orElseThrow().value().getPath())
        .build();
    splits.set(split(serving("stable", 9), Route.newBuilder().setModelId("fresh").setWeight(1)
        .setModelInfo(info).setAutoDelete(true).build()).build(), TenantScope.UNSCOPED);
    assertThat(mesh.registry.model("fresh").orElseThrow().value().getAutoDelete()).isTrue();

    assertThatThrownBy(() -> splits.set(split(Route.newBuilder().setModelId("orphan")
        .setWeight(1).setModelInfo(info).setAutoDelete(true).build()).setOwner("else").build(),
        TenantScope.UNSCOPED)).isInstanceOf(ConflictException.class);
    assertThat(mesh.registry.model("orphan")).isEmpty();

    // Replacing the split drops the auto-delete model nothing refers to any more.
    splits.set(split(serving("stable", 1)).setForce(true).build(), TenantScope.UNSCOPED);
    assertThat(mesh.registry.model("fresh")).isEmpty();
  }
}
