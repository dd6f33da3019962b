package io.densemesh.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A gRPC address: {@code host:port} over TCP, or {@code unix:/path} over a Unix domain socket.
 *
 * @param host TCP host, null for a Unix socket
 * @param port TCP port (0 lets a server pick one)
 * @param socket Unix socket path, null for TCP
 */
public record GrpcAddress(String host, int port, Path socket) {

  private static final String UNIX = "unix:";
  private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** @throws ConfigException naming the option when the text is no address */
  public static GrpcAddress parse(String option, String text) {
    String t = text.trim();
    if (t.startsWith(UNIX)) {
      String path = t.substring(UNIX.length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (path.isBlank()) {
        throw new ConfigException(option + ": '" + text + "' names no socket path");
      }
      return new GrpcAddress(null, 0, Path.of(path).toAbsolutePath().normalize());
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new ConfigException(
          option + ": '" + text + "' is not host:port or unix:/path/to/socket");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(option + ": port of '" + text + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(option + ": port of '" + text + "' must be 0..65535");
    }
    return new GrpcAddress(host, port, null);
  }

  public boolean unix() {
    return socket != null;
  }

  /**
   * Whether this is a TCP address on loopback: {@code localhost} or a loopback IP literal. Other
   * names are not resolved (no DNS at start, and a name may resolve elsewhere later), so they
   * count as remote.
   */
  public boolean loopback() {
    if (unix()) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!IP_LITERAL.matcher(host).matches() && !host.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return unix() ? UNIX + socket : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
