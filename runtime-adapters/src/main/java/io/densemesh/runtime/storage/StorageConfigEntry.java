package io.densemesh.runtime.storage;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a KServe / ModelMesh {@code storage-config} secret: {@code type} ({@code s3},
 * {@code pvc}, ...), and for S3 {@code access_key_id}, {@code secret_access_key},
 * {@code endpoint_url}, {@code region}, {@code bucket} (or the older {@code default_bucket}),
 * {@code certificate} (PEM CA for the endpoint) and {@code anonymous}; for a PVC {@code name}.
 * Unknown fields are kept and ignored. {@link #toString} never prints the secret key.
 */
public final class StorageConfigEntry {

  private final String key;
  private final Map<String, String> fields;

  public StorageConfigEntry(String key, Map<String, String> fields) {
    this.key = Objects.requireNonNull(key, "key");
    this.fields = Map.copyOf(fields);
  }

  /** An entry of the given type with no credentials (anonymous access). */
  public static StorageConfigEntry anonymous(String type) {
    return new StorageConfigEntry("", Map.of("type", type));
  }

  /** The storage key this entry was read under; empty for an implicit anonymous entry. */
  public String key() {
    return key;
  }

  public String type() {
    return field("type").toLowerCase(Locale.ROOT);
  }

  public String accessKeyId() {
    return field("access_key_id");
  }

  public String secretAccessKey() {
    return field("secret_access_key");
  }

  public String endpointUrl() {
    return field("endpoint_url");
  }

  public String region() {
    return field("region");
  }

  /** {@code bucket}, else the deprecated {@code default_bucket} (modelmesh-serving's rule). */
  public String bucket() {
    String bucket = field("bucket");
    return bucket.isEmpty() ? field("default_bucket") : bucket;
  }

  public String certificate() {
    return field("certificate");
  }

  /** True when {@code anonymous} is set, or no access key is given. */
  public boolean anonymousAccess() {
    return Boolean.parseBoolean(field("anonymous")) || accessKeyId().isEmpty();
  }

  /** The PVC's name for a {@code pvc} entry. */
  public String pvcName() {
    return field("name");
  }

  /** A field's value, empty when absent. */
  public String field(String name) {
    return fields.getOrDefault(name, "");
  }

  /** This entry with per-model {@code storage_params} laid over it. */
  public StorageConfigEntry withParams(Map<String, String> params) {
    if (params.isEmpty()) {
      return this;
    }
    Map<String, String> merged = new LinkedHashMap<>(fields);
    merged.putAll(params);
    return new StorageConfigEntry(key, merged);
  }

  /** What names this entry in messages: its key, or "anonymous". */
  public String describe() {
    return key.isEmpty() ? "anonymous access" : "storage key '" + key + "'";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StorageConfigEntry other && key.equals(other.key)
        && fields.equals(other.fields);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, fields);
  }

  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>(fields);
    shown.computeIfPresent("secret_access_key", (k, v) -> "***");
    return "StorageConfigEntry[" + key + " " + shown + "]";
  }
}
