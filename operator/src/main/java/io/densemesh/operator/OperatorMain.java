package io.densemesh.operator;

import io.densemesh.operator.health.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code densemesh-operator [options]}: connects to the API server the standard way (in-cluster
 * service account, or {@code KUBECONFIG}/{@code ~/.kube/config}) and runs until SIGTERM.
 * Bad options exit with status 2 and a one-line message.
 */
public final class OperatorMain {

  private OperatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (List.of(args).contains("--help")) {
      System.out.println(usage());
      return;
    }
    OperatorConfig config;
    try {
      config = OperatorConfigParser.parse(List.of(args), System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("densemesh-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = new Operator(client, config, Operator.defaultMesh(config),
        Clock.systemUTC());
    HealthServer health;
    try {
      health = config.healthPort() == 0 ? null : HealthServer.start(
          new InetSocketAddress(config.healthPort()), operator::watching);
    } catch (UncheckedIOException e) {
      System.err.println("densemesh-operator: " + e.getMessage() + ": " + e.getCause());
      operator.close();
      client.close();
      System.exit(1);
      return;
    }
    try {
      operator.start();
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      System.err.println("densemesh-operator: cannot watch namespace " + config.namespace()
          + " at " + client.getMasterUrl() + ": " + cause);
      if (health != null) {
        health.close();
      }
      operator.close();
      client.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (health != null) {
        health.close();
      }
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  static String usage() {
    StringBuilder out = new StringBuilder("usage: densemesh-operator [options]\n");
    for (String option : OperatorConfigParser.options()) {
      out.append(String.format("  --%-22s env %-26s default '%s'%n", option,
          OperatorConfigParser.envName(option), OperatorConfigParser.defaultOf(option)));
    }
    return out.toString();
  }
}
