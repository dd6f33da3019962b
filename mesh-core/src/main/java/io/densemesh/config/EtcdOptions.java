package io.densemesh.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves where etcd is and how to reach it from three sources, strongest first: explicit flags
 * and {@code DM_*} variables; a mounted Kubernetes Secret ({@code --etcd-secret-dir}, keys
 * {@code endpoints}, {@code prefix}, {@code ca.crt}, {@code tls.crt}, {@code tls.key},
 * {@code username}, {@code password}); and ModelMesh's {@code etcd_connection} JSON (the same
 * Secret's {@code etcd_connection} key, or a file named by {@code --etcd-connection}) with its
 * fields {@code endpoints}, {@code root_prefix}, {@code userid}, {@code password},
 * {@code certificate}/{@code certificate_file}, {@code client_certificate}/
 * {@code client_certificate_file}, {@code client_key}/{@code client_key_file} and
 * {@code override_authority} (IBM etcd-java's schema, which ModelMesh reads).
 */
final class EtcdOptions {

  /** The resolved etcd connection. */
  record Resolved(List<String> endpoints, String prefix, EtcdAccess access) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private EtcdOptions() {}

  /**
   * @param values every option's value after defaults, environment and flags
   * @param explicit the options given by a flag or variable (they beat the Secret and JSON)
   */
  static Resolved resolve(Map<String, String> values, Set<String> explicit) {
    Map<String, String> found = new HashMap<>(); // option -> value, weakest source first
    Path connection = null;
    String connectionOption = "--etcd-connection";
    if (!values.get("etcd-connection").isBlank()) {
      connection = Path.of(values.get("etcd-connection").trim());
    }
    Path secretDir = values.get("etcd-secret-dir").isBlank() ? null
        : Path.of(values.get("etcd-secret-dir").trim());
    if (connection == null && secretDir != null
        && Files.isRegularFile(secretDir.resolve("etcd_connection"))) {
      connection = secretDir.resolve("etcd_connection");
      connectionOption = "the Secret's etcd_connection";
    }
    if (connection != null) {
      found.putAll(fromConnectionJson(connectionOption, connection));
    }
    if (secretDir != null) {
      found.putAll(fromSecretDir(secretDir));
    }
    for (String option : List.of("etcd", "etcd-prefix", "etcd-user")) {
      if (explicit.contains(option) || !found.containsKey(option)) {
        found.put(option, values.get(option));
      }
    }
    for (String option : List.of("etcd-ca", "etcd-cert", "etcd-key")) {
      if (explicit.contains(option) && !values.get(option).isBlank()) {
        found.put(option, read("--" + option, Path.of(values.get(option).trim())));
      }
    }
    if (explicit.contains("etcd-password") && !values.get("etcd-password").isEmpty()) {
      found.put("etcd-password", values.get("etcd-password"));
    } else if (!values.get("etcd-password-file").isBlank()) {
      found.put("etcd-password", read("--etcd-password-file",
          Path.of(values.get("etcd-password-file").trim())).strip());
    }
    List<String> endpoints = list(found.get("etcd"));
    EtcdAccess access = new EtcdAccess(
        pem(found.get("etcd-ca")), pem(found.get("etcd-cert")), pem(found.get("etcd-key")),
        found.get("etcd-user").trim(), found.getOrDefault("etcd-password", ""),
        found.getOrDefault("etcd-authority", ""));
    access.requireFits(endpoints);
    return new Resolved(endpoints, found.get("etcd-prefix").trim(), access);
  }

  private static Map<String, String> fromConnectionJson(String option, Path file) {
    JsonNode json;
    try {
      json = JSON.readTree(read(option, file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(option + " (" + file + ") is not JSON: "
          + e.getOriginalMessage());
    }
    if (json == null || !json.isObject() || !json.hasNonNull("endpoints")) {
      throw new ConfigException(option + " (" + file + ") needs at least \"endpoints\"");
    }
    Map<String, String> found = new HashMap<>();
    JsonNode endpoints = json.get("endpoints");
    if (endpoints.isArray()) {
      List<String> items = new ArrayList<>();
      endpoints.forEach(e -> items.add(e.asText()));
      found.put("etcd", String.join(",", items));
    } else {
      found.put("etcd", endpoints.asText());
    }
    text(json, "root_prefix").ifPresent(p -> found.put("etcd-prefix", asPrefix(p)));
    text(json, "userid").ifPresent(u -> found.put("etcd-user", u));
    text(json, "password").ifPresent(p -> found.put("etcd-password", p));
    text(json, "override_authority").ifPresent(a -> found.put("etcd-authority", a));
    Path base = file.toAbsolutePath().getParent();
    embeddedOrFile(json, "certificate", option, base).ifPresent(p -> found.put("etcd-ca", p));
    embeddedOrFile(json, "client_certificate", option, base)
        .ifPresent(p -> found.put("etcd-cert", p));
    embeddedOrFile(json, "client_key", option, base).ifPresent(p -> found.put("etcd-key", p));
    return found;
  }

  private static Optional<String> embeddedOrFile(JsonNode json, String field, String option,
      Path base) {
    Optional<String> embedded = text(json, field);
    if (embedded.isPresent()) {
      return embedded;
    }
    return text(json, field + "_file")
        .map(name -> read(option + " " + field + "_file", base.resolve(name)));
  }

  private static Map<String, String> fromSecretDir(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException("--etcd-secret-dir: " + dir + " is not a directory");
    }
    Map<String, String> found = new HashMap<>();
    Map<String, String> keys = Map.of("endpoints", "etcd", "prefix", "etcd-prefix",
        "ca.crt", "etcd-ca", "tls.crt", "etcd-cert", "tls.key", "etcd-key",
        "username", "etcd-user", "password", "etcd-password");
    keys.forEach((key, option) -> {
      Path file = dir.resolve(key);
      if (Files.isRegularFile(file)) {
        String value = read("--etcd-secret-dir " + key, file);
        found.put(option, option.equals("etcd-ca") || option.equals("etcd-cert")
            || option.equals("etcd-key") ? value : value.strip());
      }
    });
    return found;
  }

  private static Optional<String> text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node == null || node.isNull() || node.asText().isBlank() ? Optional.empty()
        : Optional.of(node.asText());
  }

  /** ModelMesh's {@code root_prefix} is a bare name; DenseMesh prefixes are {@code /name/}. */
  private static String asPrefix(String rootPrefix) {
    String p = rootPrefix.trim();
    return (p.startsWith("/") ? "" : "/") + p + (p.endsWith("/") ? "" : "/");
  }

  private static Optional<String> pem(String text) {
    return text == null || text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  private static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  private static String read(String option, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(option + ": cannot read " + file + " ("
          + e.getClass().getSimpleName() + ")");
    }
  }
}
