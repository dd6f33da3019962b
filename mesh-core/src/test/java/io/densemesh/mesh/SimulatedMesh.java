package io.densemesh.mesh;

import io.densemesh.api.registry.ModelRecord;
import io.densemesh.registry.SharedMemoryRegistry;
import io.densemesh.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several mesh nodes in one test process, without sockets or etcd: each {@link SimulatedNode} has a
 * real model cache (over {@link io.densemesh.testing.FakeRuntime}), router, copy loader and
 * publisher, and serves peer control and inference on an in-process gRPC server named by its
 * address; all share one {@link SharedMemoryRegistry} and one fake clock. Decision classes
 * (leader, drain, scaler...) are built by the test from a node's parts and driven by calling
 * their pass methods, never by waiting for timers.
 */
final class SimulatedMesh implements AutoCloseable {

  final SharedMemoryRegistry registry = new SharedMemoryRegistry();
  final FakeClock clock = new FakeClock(1_000_000);
  private final Path artifact;
  private final List<SimulatedNode> nodes = new ArrayList<>();

  SimulatedMesh(Path dir) {
    try {
      artifact = Files.write(dir.resolve("model.bin"), new byte[16]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A node with room for {@code capacityBytes} (a fake model is 100 bytes) and instance labels
   * (say {@code format:other} to keep placement away from it), published.
   */
  SimulatedNode node(String id, long capacityBytes, String... labels) {
    SimulatedNode node = new SimulatedNode(id, this, capacityBytes);
    for (String label : labels) {
      node.labels.put(label, "");
    }
    nodes.add(node);
    node.publish();
    return node;
  }

  /** Registers a model of the fake runtime's type. */
  ModelRecord register(String id, int minCopies, int maxCopies) {
    ModelRecord record = ModelRecord.newBuilder().setModelId(id).setType("fake")
        .setPath(artifact.toString()).setMinCopies(minCopies).setMaxCopies(maxCopies)
        .setLastUsed(clock.millis()).build();
    registry.putModel(record, 0).orElseThrow();
    return record;
  }

  ModelRecord register(String id) {
    return register(id, 0, 0);
  }

  /** Brings every node's registry records up to date with its cache. */
  void publishAll() {
    nodes.forEach(SimulatedNode::publish);
  }

  @Override
  public void close() {
    nodes.forEach(SimulatedNode::close);
  }
}
