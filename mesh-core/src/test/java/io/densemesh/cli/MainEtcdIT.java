package io.densemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code densemesh serve --etcd} with nobody listening there: a clear error, not a hang. */
class MainEtcdIT {

  @TempDir Path dir;

  @Test
  void unreachableEtcdAtStartIsAOneLineErrorAndExitCodeOne() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // free once closed: nothing listens there
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(List.of("serve", "--etcd", "http://127.0.0.1:" + closedPort,
            "--etcd-timeout", "2s", "--host", "127.0.0.1", "--grpc-port", "0", "--rest-port", "0",
            "--metrics-port", "0", "--internal-port", "0", "--data-dir", dir.toString()),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    String message = err.toString(StandardCharsets.UTF_8);
    assertThat(message).startsWith("densemesh serve: registry (etcd http://127.0.0.1:"
        + closedPort + ") is unavailable");
    assertThat(message.lines().count()).isEqualTo(1);
  }
}
