package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One kept-alive HTTP/1.1 connection carrying thousands of inferences, one after another, over a
 * raw socket (so it is surely one connection): each is answered. The read-idle handling once
 * grew the connection's pipeline at every request until the event loop spent itself walking it
 * and the connection stopped answering after about a thousand requests.
 */
class RestKeepAliveIT {

  static final int REQUESTS = 3_000;

  @TempDir Path dir;

  @Test
  void aKeptAliveConnectionAnswersThousandsOfRequests() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 3);
    try (TestNode node = new TestNode(dir.resolve("data"))) {
      node.register("m", model);
      String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[1,2,3,4]}]}";
      byte[] request = ("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.UTF_8);
      try (Socket socket = new Socket("127.0.0.1", node.rest("/").getPort())) {
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.ISO_8859_1));
        for (int i = 0; i < REQUESTS; i++) {
          out.write(request);
          out.flush();
          String status = in.readLine();
          assertThat(status).as("request " + i).isEqualTo("HTTP/1.1 200 OK");
          int length = -1;
          for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          assertThat(length).as("request " + i + " has a length").isPositive();
          char[] answer = new char[length];
          for (int read = 0; read < length; ) {
            read += in.read(answer, read, length - read);
          }
          assertThat(new String(answer)).contains("\"outputs\"");
        }
      }
    }
  }
}
