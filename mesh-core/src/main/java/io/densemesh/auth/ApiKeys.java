package io.densemesh.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Static API keys, known only by their SHA-256 hashes: the file never holds a usable key. One key
 * a line, {@code <sha256-hex> <tenant> <role> [name]}; {@code -} as the tenant of an admin that
 * names none; {@code #} starts a comment. A key is hashed with
 * {@code printf %s "$KEY" | sha256sum}. Keys should be long random strings (32 bytes or more), so
 * a plain hash is enough (no salt or slow hash needed for high-entropy secrets).
 */
public final class ApiKeys {

  private final Map<String, Principal> byHash;

  private ApiKeys(Map<String, Principal> byHash) {
    this.byHash = Map.copyOf(byHash);
  }

  public static ApiKeys none() {
    return new ApiKeys(Map.of());
  }

  /**
   * Parses the file's lines.
   *
   * @throws IllegalArgumentException naming the line that does not parse
   */
  public static ApiKeys parse(List<String> lines) {
    Map<String, Principal> keys = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      String where = "line " + (i + 1) + ": ";
      if (fields.length < 3 || fields.length > 4) {
        throw new IllegalArgumentException(where + "expected '<sha256-hex> <tenant> <role> [name]'");
      }
      String hash = fields[0].toLowerCase(Locale.ROOT);
      if (hash.startsWith("sha256:")) {
        hash = hash.substring("sha256:".length());
      }
      if (!hash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(where + "the key hash must be 64 hex digits (SHA-256)");
      }
      Role role;
      try {
        role = Role.parse(fields[2]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage());
      }
      String tenant = fields[1].equals("-") ? "" : fields[1];
      String name = fields.length == 4 ? fields[3] : "api-key-" + hash.substring(0, 8);
      try {
        if (keys.put(hash, new Principal(name, tenant, role)) != null) {
          throw new IllegalArgumentException(where + "the same key is listed twice");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage().startsWith("line") ? e.getMessage()
            : where + e.getMessage() + " (use a tenant name, '-' only for admins)");
      }
    }
    return new ApiKeys(keys);
  }

  /** The principal a presented key stands for, if it is one of the listed keys. */
  public Optional<Principal> lookup(String key) {
    if (byHash.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(byHash.get(sha256(key)));
  }

  public int size() {
    return byHash.size();
  }

  /** Lower-case hex SHA-256 of a key's UTF-8 bytes (what the file lists). */
  public static String sha256(String key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
