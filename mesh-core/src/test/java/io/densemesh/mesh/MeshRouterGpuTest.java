package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.placement.ClusterSnapshot;
import io.densemesh.placement.InstanceView;
import io.densemesh.placement.ModelDemand;
import io.densemesh.placement.PlacementPolicies;
import io.densemesh.placement.PlacementRequest;
import io.densemesh.registry.MeshView;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry's GPU fields reach placement: a model that measured GPU memory goes to a GPU. */
class MeshRouterGpuTest {

  private static final long GIB = 1L << 30;

  private static InstanceRecord node(String id, long capacity, long gpuCapacity, long gpuUsed) {
    return InstanceRecord.newBuilder().setInstanceId(id).setAddress(id + ":8033")
        .setCapacityBytes(capacity).setUsedBytes(0).setLoadingSlots(2)
        .setGpuCapacityBytes(gpuCapacity).setGpuUsedBytes(gpuUsed).build();
  }

  private static CopyRecord copy(String model, String instance, long gpuBytes) {
    return CopyRecord.newBuilder().setModelId(model).setInstanceId(instance)
        .setState(CopyRecord.State.LOADED).setSizeBytes(100L << 20).setGpuBytes(gpuBytes).build();
  }

  // cpu-big has the most free host memory, so a memory-only placer would prefer it.
  private final Map<String, InstanceRecord> instances = Map.of(
      "gpu-a", node("gpu-a", 8 * GIB, 16 * GIB, 2 * GIB),
      "gpu-small", node("gpu-small", 8 * GIB, GIB / 2, 0),
      "cpu-big", node("cpu-big", 64 * GIB, 0, 0),
      "gpu-b", node("gpu-b", 8 * GIB, 16 * GIB, 20 * GIB)); // stale: used above capacity
  private final MeshView view = new MeshView(1, instances,
      Map.of("vision", Map.of("gpu-a", copy("vision", "gpu-a", 2 * GIB)),
          "tabular", Map.of("cpu-big", copy("tabular", "cpu-big", 0))),
      Map.of(), Map.of(), "");

  private Set<String> placements(String model) {
    List<InstanceView> views = instances.values().stream().map(MeshRouter::instanceView).toList();
    ModelDemand demand = new ModelDemand(model, "", 100L << 20, false,
        MeshRouter.knownGpuBytes(model, view), 0, 0, 4, false, Map.of());
    Set<String> chosen = new HashSet<>();
    for (String policy : PlacementPolicies.NAMES) {
      for (long salt = 0; salt < 64; salt++) {
        PlacementPolicies.byName(policy).choose(
            new PlacementRequest(demand, Set.of(), salt, null),
            new ClusterSnapshot(1_000, views, Map.of()), 1_000).ifPresent(chosen::add);
      }
    }
    return chosen;
  }

  @Test
  void mapsTheInstanceRecordsGpuFields() {
    InstanceView gpu = MeshRouter.instanceView(instances.get("gpu-a"));
    assertThat(gpu.gpuCapacityBytes()).isEqualTo(16 * GIB);
    assertThat(gpu.gpuUsedBytes()).isEqualTo(2 * GIB);
    assertThat(MeshRouter.instanceView(instances.get("gpu-b")).gpuUsedBytes())
        .isEqualTo(16 * GIB);
    assertThat(MeshRouter.instanceView(instances.get("cpu-big")).gpuCapacityBytes()).isZero();
  }

  @Test
  void aModelThatMeasuredGpuMemoryIsPlacedOnlyOnGpusThatCanHoldIt() {
    assertThat(MeshRouter.knownGpuBytes("vision", view)).isEqualTo(2 * GIB);
    assertThat(placements("vision")).isNotEmpty().isSubsetOf("gpu-a", "gpu-b");
  }

  @Test
  void aCpuModelMayGoAnywhere() {
    assertThat(MeshRouter.knownGpuBytes("tabular", view)).isZero();
    assertThat(MeshRouter.knownGpuBytes("never-loaded", view)).isZero();
    assertThat(placements("tabular")).contains("cpu-big");
  }
}
