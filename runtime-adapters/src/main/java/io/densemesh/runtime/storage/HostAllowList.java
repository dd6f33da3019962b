package io.densemesh.runtime.storage;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which hosts {@code http(s)} model sources may name ({@code --storage-allow-hosts}). An entry is
 * a host name ({@code models.example.com}), a domain wildcard ({@code *.example.com}), an IP
 * address, a CIDR block ({@code 10.1.0.0/16}), or {@code *} (any host). A host must match an
 * entry, and each address it resolves to must be public (not loopback, link-local, unique-local,
 * private, carrier-grade NAT, multicast or unspecified) unless an entry other than a wildcard
 * lists it: its exact name, its address, or a CIDR block holding the address. The empty list
 * allows nothing.
 */
public final class HostAllowList {

  /** Allows no host at all. */
  public static final HostAllowList NONE = new HostAllowList(List.of());

  private final List<String> names = new ArrayList<>();
  private final List<String> suffixes = new ArrayList<>();
  private final List<Cidr> blocks = new ArrayList<>();
  private final boolean any;
  private final List<String> entries;

  private record Cidr(byte[] network, int bits) {
    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }
  }

  /** @throws IllegalArgumentException naming a malformed entry */
  public HostAllowList(List<String> entries) {
    this.entries = List.copyOf(entries);
    boolean star = false;
    for (String raw : entries) {
      String entry = raw.trim().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.equals("*")) {
        star = true;
      } else if (entry.startsWith("*.")) {
        suffixes.add(entry.substring(1));
      } else if (entry.contains("/")) {
        blocks.add(cidr(entry));
      } else if (isIpLiteral(entry)) {
        blocks.add(new Cidr(literal(entry).getAddress(), literal(entry).getAddress().length * 8));
      } else if (entry.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
        names.add(entry);
      } else {
        throw new IllegalArgumentException("'" + raw + "' is not a host, *.domain, IP or CIDR");
      }
    }
    this.any = star;
  }

  public boolean isEmpty() {
    return !any && names.isEmpty() && suffixes.isEmpty() && blocks.isEmpty();
  }

  /** Whether the host (name or literal, no port) matches some entry at all. */
  public boolean allowsHost(String host) {
    String h = bare(host);
    if (any || names.contains(h) || suffixes.stream().anyMatch(h::endsWith)) {
      return true;
    }
    return isIpLiteral(h) && blocks.stream().anyMatch(b -> b.contains(literal(h)));
  }

  /**
   * Whether {@code address}, which {@code host} resolved to, may be contacted: public, or listed
   * by the host's exact name, its address or a block that holds it.
   */
  public boolean allowsAddress(String host, InetAddress address) {
    if (blocks.stream().anyMatch(b -> b.contains(address)) || names.contains(bare(host))) {
      return true;
    }
    return !isInternal(address);
  }

  /**
   * Loopback, link-local (169.254.0.0/16, fe80::/10), private (10/8, 172.16/12, 192.168/16),
   * carrier-grade NAT (100.64/10), unique-local (fc00::/7), multicast, unspecified, and the same
   * inside IPv4-mapped or -compatible IPv6 addresses.
   */
  static boolean isInternal(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      byte[] a = v6.getAddress();
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= a[i] == 0;
      }
      if (mapped && ((a[10] == (byte) 0xff && a[11] == (byte) 0xff) || (a[10] == 0 && a[11] == 0
          && !(a[12] == 0 && a[13] == 0 && a[14] == 0 && (a[15] == 0 || a[15] == 1))))) {
        try {
          return isInternal(InetAddress.getByAddress(new byte[] {a[12], a[13], a[14], a[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
      if ((a[0] & 0xfe) == 0xfc) {
        return true; // unique-local fc00::/7
      }
    }
    if (address instanceof Inet4Address) {
      byte[] a = address.getAddress();
      int first = a[0] & 0xff;
      int second = a[1] & 0xff;
      if (first == 0 || (first == 100 && second >= 64 && second < 128)) {
        return true; // "this network" 0/8, carrier-grade NAT 100.64/10
      }
    }
    return address.isLoopbackAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isAnyLocalAddress()
        || address.isMulticastAddress();
  }

  @Override
  public String toString() {
    return entries.isEmpty() ? "(none)" : String.join(",", entries);
  }

  private static String bare(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  static boolean isIpLiteral(String host) {
    String h = bare(host);
    return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (h.contains(":") && h.matches("[0-9a-f:.]+"));
  }

  /** Parses an IP literal without any DNS lookup (the caller checked the syntax). */
  static InetAddress literal(String host) {
    try {
      return InetAddress.getByName(bare(host));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + host + "' is not an IP address");
    }
  }

  private static Cidr cidr(String entry) {
    int slash = entry.indexOf('/');
    String ip = entry.substring(0, slash);
    if (!isIpLiteral(ip)) {
      throw new IllegalArgumentException("'" + entry + "' is not a CIDR block like 10.0.0.0/8");
    }
    byte[] network = literal(ip).getAddress();
    int bits;
    try {
      bits = Integer.parseInt(entry.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + entry + "' has no prefix length");
    }
    if (bits < 0 || bits > network.length * 8) {
      throw new IllegalArgumentException("'" + entry + "' has a prefix length out of range");
    }
    return new Cidr(network, bits);
  }
}
