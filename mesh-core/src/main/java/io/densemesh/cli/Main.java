package io.densemesh.cli;

import io.densemesh.config.ConfigException;
import io.densemesh.config.ConfigParser;
import io.densemesh.config.NodeConfig;
import io.densemesh.node.MeshNode;
import io.densemesh.observability.LogSetup;
import io.densemesh.quickstart.Quickstart;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code ./densemesh}. Exit codes: 0 success, 1 runtime failure, 2 bad usage. A bad
 * flag prints one line, never a stack trace.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(Arrays.asList(args), System.out, System.err));
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")
        || args.get(0).equals("help")) {
      usage(out);
      return args.isEmpty() ? 2 : 0;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      switch (command) {
        case "serve" -> {
          if (rest.contains("--help")) {
            usage(out);
            return 0;
          }
          return serve(ConfigParser.parse(rest, System.getenv()));
        }
        case "quickstart" -> {
          return Quickstart.run(rest, out);
        }
        case "runtime" -> {
          if (rest.contains("--help")) {
            usage(out);
            return 0;
          }
          return runtime(RuntimeServerOptions.parse(rest));
        }
        default -> {
          err.println("densemesh: unknown command '" + command + "' (try --help)");
          return 2;
        }
      }
    } catch (ConfigException e) {
      err.println("densemesh " + command + ": " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("densemesh " + command + ": " + e.getMessage());
      return 1;
    }
  }

  private static int serve(NodeConfig config) {
    LogSetup.apply(config.observability());
    MeshNode node = MeshNode.start(config, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static int runtime(RuntimeServerOptions options) {
    RuntimeServer server = RuntimeServer.start(options);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static void usage(PrintStream out) {
    out.println("usage: densemesh <command> [options]");
    out.println();
    out.println("commands:");
    out.println("  serve        run a node (embedded registry, or join a mesh with --etcd URL)");
    out.println("  quickstart   start a node, register per-tenant models, drive traffic, summarise");
    out.println("  simulate     replay a request trace through the placement policies");
    out.println("  runtime      serve the embedded runtimes over the ModelMesh runtime SPI");
    out.println();
    out.println("serve options (each also as DM_<NAME> in the environment; flags win):");
    for (String option : ConfigParser.options()) {
      String def = ConfigParser.defaultOf(option);
      out.printf("  --%-22s %s (default: %s)%n", option + " V", ConfigParser.envName(option),
          def.isEmpty() ? (option.equals("instance-id") ? "generated" : "none") : def);
    }
    out.println();
    out.println("runtime options:");
    for (String option : RuntimeServerOptions.options()) {
      String def = RuntimeServerOptions.defaultOf(option);
      out.printf("  --%-22s (default: %s)%n", option + " V", def.isEmpty() ? "required" : def);
    }
  }
}
