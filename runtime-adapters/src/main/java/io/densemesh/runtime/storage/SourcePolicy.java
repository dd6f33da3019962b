package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which model sources a client may name, so that a registration cannot make the node read its
 * own files or call hosts on its network.
 *
 * <p>Local paths (plain, {@code file://}, {@code pvc://}) must lie under one of the model roots:
 * the registered text may not contain {@code ..}, the path with every symbolic link resolved must
 * still lie under the same root, and the artifact (and everything in it, for a directory) must be
 * regular files and directories, never devices, pipes or sockets. A path outside every root gets
 * one message whether or not it exists, and outside paths are never touched on disk.
 *
 * <p>{@code http(s)} sources must pass the {@link HostAllowList}; the host is resolved once and
 * only the addresses that pass are handed to the HTTP client ({@link #addressesFor}), so a DNS
 * answer that changes between check and connect (rebinding) cannot reach an internal address.
 */
public final class SourcePolicy {

  private final List<Path> roots;
  private final HostAllowList hosts;

  /**
   * @param roots directories local model sources must lie under (created paths need not exist;
   *     a root that is a symbolic link counts as its target)
   * @param hosts hosts {@code http(s)} sources may name
   */
  public SourcePolicy(List<Path> roots, HostAllowList hosts) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      Path absolute = root.toAbsolutePath().normalize();
      try {
        real.add(absolute.toRealPath());
      } catch (IOException e) {
        real.add(absolute); // not there yet: nothing under it exists either
      }
    }
    this.roots = List.copyOf(real);
    this.hosts = hosts;
  }

  /** Anything goes: for tools and unit tests without a node. */
  public static SourcePolicy unrestricted() {
    return new SourcePolicy(List.of(Path.of("/")), new HostAllowList(List.of("*")));
  }

  public List<Path> roots() {
    return roots;
  }

  public HostAllowList hosts() {
    return hosts;
  }

  /**
   * The checked, symlink-free path of a local source.
   *
   * @param registered the path as the client wrote it, for the {@code ..} check and messages
   * @throws ModelLoadException when the source is outside the roots, missing inside them, or not
   *     made of regular files and directories
   */
  public Path checkLocal(Path path, String registered) {
    if (Arrays.asList(registered.replace('\\', '/').split("/")).contains("..")) {
      throw new ModelLoadException("model path '" + registered + "' must not contain '..'");
    }
    Path absolute = path.toAbsolutePath().normalize();
    Path root = roots.stream().filter(absolute::startsWith).findFirst()
        .orElseThrow(() -> outside(registered));
    Path real;
    try {
      real = absolute.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ModelLoadException("model path '" + registered + "' does not exist");
    } catch (IOException e) {
      throw new ModelLoadException("model path '" + registered + "' cannot be read");
    }
    if (!real.startsWith(root)) {
      throw outside(registered);
    }
    requireRegular(real, root, registered);
    return real;
  }

  private ModelLoadException outside(String registered) {
    return new ModelLoadException("model path '" + registered + "' is not under an allowed "
        + "model root (this node allows " + roots + "; see --model-roots)");
  }

  private void requireRegular(Path real, Path root, String registered) {
    if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
      throw notRegular(registered);
    }
    try (Stream<Path> tree = Files.walk(real, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
      tree.forEach(p -> {
        Path target;
        try {
          target = p.toRealPath();
        } catch (IOException e) {
          throw notRegular(registered);
        }
        if (!target.startsWith(root)) {
          throw outside(registered);
        }
        if (!Files.isRegularFile(target) && !Files.isDirectory(target)) {
          throw notRegular(registered);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      throw new ModelLoadException("model path '" + registered + "' cannot be read");
    }
  }

  private static ModelLoadException notRegular(String registered) {
    return new ModelLoadException("model path '" + registered + "' is not made of regular files "
        + "and directories (devices, pipes and sockets are refused)");
  }

  /**
   * Checks an {@code http(s)} source's host against the allow-list before anything is sent.
   *
   * @throws ModelLoadException when the host is not allowed or resolves to no allowed address
   */
  public void checkUrl(URI uri) {
    addressesFor(uri.getHost(), uri.toString());
  }

  /**
   * The addresses of {@code host} that may be contacted; the HTTP client connects to these and
   * resolves nothing itself.
   *
   * @throws ModelLoadException when none may
   */
  public InetAddress[] addressesFor(String host, String what) {
    if (hosts.isEmpty()) {
      throw new ModelLoadException("http(s) model sources are not allowed on this node (" + what
          + "); an operator may allow hosts with --storage-allow-hosts");
    }
    if (host == null || !hosts.allowsHost(host)) {
      throw new ModelLoadException("host '" + host + "' of " + what + " is not in the "
          + "storage allow-list (--storage-allow-hosts)");
    }
    InetAddress[] all;
    try {
      all = HostAllowList.isIpLiteral(host) ? new InetAddress[] {HostAllowList.literal(host)}
          : InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new ModelLoadException("host '" + host + "' of " + what + " does not resolve");
    }
    InetAddress[] allowed = Arrays.stream(all).filter(a -> hosts.allowsAddress(host, a))
        .toArray(InetAddress[]::new);
    if (allowed.length == 0) {
      throw new ModelLoadException("host '" + host + "' of " + what + " resolves to an internal "
          + "address (loopback, link-local, private or unique-local), which is refused unless "
          + "--storage-allow-hosts lists the host or its address");
    }
    return allowed;
  }
}
