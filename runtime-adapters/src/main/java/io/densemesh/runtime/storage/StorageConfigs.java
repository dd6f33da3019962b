package io.densemesh.runtime.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The storage-config entries by key. Read from either a directory holding one file per key, each
 * a JSON object (how a Kubernetes {@code storage-config} secret is mounted; names starting with
 * {@code .} such as the secret volume's {@code ..data} are skipped), or one JSON file mapping keys
 * to objects or to JSON strings (a secret's {@code stringData}). Read once at start.
 */
public final class StorageConfigs {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, StorageConfigEntry> entries;

  private StorageConfigs(Map<String, StorageConfigEntry> entries) {
    this.entries = Map.copyOf(entries);
  }

  public static StorageConfigs empty() {
    return new StorageConfigs(Map.of());
  }

  /**
   * @param location a directory (one file per key) or a JSON file; null for none
   * @throws IllegalArgumentException naming the file and the problem
   */
  public static StorageConfigs load(Path location) {
    if (location == null) {
      return empty();
    }
    try {
      if (Files.isDirectory(location)) {
        return fromDirectory(location);
      }
      if (Files.isRegularFile(location)) {
        return fromJsonFile(location);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read storage config " + location + ": "
          + e.getMessage(), e);
    }
    throw new IllegalArgumentException("storage config " + location + " does not exist");
  }

  /** Parses entries given as raw JSON text per key (the secret's data). */
  public static StorageConfigs parse(Map<String, String> jsonByKey) {
    Map<String, StorageConfigEntry> entries = new TreeMap<>();
    jsonByKey.forEach((key, json) -> entries.put(key, entry(key, readTree(key, json))));
    return new StorageConfigs(entries);
  }

  private static StorageConfigs fromDirectory(Path dir) throws IOException {
    Map<String, String> raw = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (!name.startsWith(".") && Files.isRegularFile(file)) {
          raw.put(name, Files.readString(file));
        }
      }
    }
    return parse(raw);
  }

  private static StorageConfigs fromJsonFile(Path file) throws IOException {
    JsonNode root = readTree(file.toString(), Files.readString(file));
    if (!root.isObject()) {
      throw new IllegalArgumentException("storage config " + file
          + " must be a JSON object mapping storage keys to entries");
    }
    Map<String, StorageConfigEntry> entries = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode value = e.getValue().isTextual() ? readTree(e.getKey(), e.getValue().asText())
          : e.getValue();
      entries.put(e.getKey(), entry(e.getKey(), value));
    }
    return new StorageConfigs(entries);
  }

  private static JsonNode readTree(String where, String json) {
    try {
      return JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("storage config entry '" + where
          + "' is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static StorageConfigEntry entry(String key, JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("storage config entry '" + key
          + "' must be a JSON object");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      JsonNode v = f.getValue();
      if (!v.isNull()) {
        fields.put(f.getKey(), v.isValueNode() ? v.asText() : v.toString());
      }
    }
    if (fields.getOrDefault("type", "").isBlank()) {
      throw new IllegalArgumentException("storage config entry '" + key
          + "' has no \"type\" (e.g. \"s3\")");
    }
    return new StorageConfigEntry(key, fields);
  }

  public Optional<StorageConfigEntry> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  public Set<String> keys() {
    return new TreeMap<>(entries).keySet();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }
}
