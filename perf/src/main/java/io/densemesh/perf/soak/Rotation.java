package io.densemesh.perf.soak;

import io.densemesh.testing.NodeProcess;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/** The nodes clients send to, as a load balancer would: a killed node leaves, a restarted one joins. */
final class Rotation {

  private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();

  void add(NodeProcess node) {
    nodes.add(node);
  }

  void remove(NodeProcess node) {
    nodes.remove(node);
  }

  NodeProcess pick(SplittableRandom random) {
    List<NodeProcess> now = List.copyOf(nodes);
    return now.get(random.nextInt(now.size()));
  }
}
