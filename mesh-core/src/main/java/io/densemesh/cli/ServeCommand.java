package io.densemesh.cli;

import io.densemesh.config.NodeConfig;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.observability.LogSetup;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code densemesh serve}: one node until SIGTERM (which drains it). */
@Command(name = "serve", sortOptions = false,
    description = {"Run a node: an embedded registry, or join a mesh with --etcd URL.",
        "gRPC (KServe V2 + ModelMesh) on --grpc-port, REST on --rest-port, Prometheus on"
            + " --metrics-port."})
public final class ServeCommand extends NodeOptions implements Callable<Integer> {

  @Override
  public Integer call() throws InterruptedException {
    NodeConfig config = toConfig();
    LogSetup.apply(config.observability());
    MeshNode node = MeshNode.start(config, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
