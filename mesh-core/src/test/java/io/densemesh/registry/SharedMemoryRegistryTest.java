package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.runtime.error.UnavailableException;
import org.junit.jupiter.api.Test;

/** The shared test registry keeps the registry contract, and its expiry acts like a lease's. */
class SharedMemoryRegistryTest extends RegistryContract {

  @Override
  protected Registry open() {
    return new SharedMemoryRegistry();
  }

  @Test
  void expiringASessionDropsExactlyThatNodesLiveRecords() {
    SharedMemoryRegistry shared = (SharedMemoryRegistry) registry;
    for (String node : new String[] {"a", "b"}) {
      shared.putInstance(InstanceRecord.newBuilder().setInstanceId(node).build());
      shared.putCopy(CopyRecord.newBuilder().setModelId("m").setInstanceId(node)
          .setState(CopyRecord.State.LOADED).build());
    }
    shared.claimLoad("n", "a");
    shared.claimLoad("o", "b");
    shared.tryLead("a");

    shared.expire("a");

    MeshView view = shared.view();
    assertThat(view.instances()).containsOnlyKeys("b");
    assertThat(view.copiesOf("m")).containsOnlyKeys("b");
    assertThat(view.claims()).containsOnlyKeys("o");
    assertThat(view.leader()).isEmpty();
    assertThat(shared.claimLoad("n", "b")).as("the claim is free again").isEqualTo("b");
    assertThat(shared.tryLead("b")).isTrue();
  }

  @Test
  void anUnreachableStoreFailsWritesButKeepsServingReads() {
    SharedMemoryRegistry shared = (SharedMemoryRegistry) registry;
    shared.putModel(model("m", "/a"), 0).orElseThrow();
    shared.unreachable(true);

    assertThatThrownBy(() -> shared.claimLoad("m", "a")).isInstanceOf(UnavailableException.class);
    assertThat(shared.model("m")).isPresent();
  }
}
