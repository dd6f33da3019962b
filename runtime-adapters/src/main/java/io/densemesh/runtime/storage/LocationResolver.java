package io.densemesh.runtime.storage;

import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a registration's path and key into an {@link ArtifactLocation}, without touching the file
 * system or the network. The rules, following KServe storage URIs and modelmesh-serving:
 *
 * <ul>
 *   <li>{@code file://...} and plain paths with no storage key: a local path.
 *   <li>{@code pvc://<claim>/<path>}: {@code <pvc-root>/<claim>/<path>} (never outside the claim).
 *   <li>{@code http://} and {@code https://}: one file over HTTP.
 *   <li>{@code s3://<bucket>/<path>}: an object or a prefix; credentials from the storage key, else
 *       from a {@code default_s3} or {@code default} entry, else anonymous.
 *   <li>A plain path with a storage key (or {@code storage_params}): a path inside that storage:
 *       for {@code s3} in its {@code bucket} / {@code default_bucket}, for {@code pvc} in its claim.
 *       With no key named, the {@code default_<type>} or {@code default} entry applies
 *       (modelmesh-serving's rule).
 *   <li>{@code storage_params} may choose the entry's type and bucket only ({@link
 *       #CLIENT_PARAMS}); anything else is refused, so a client never redirects an entry's
 *       credentials to an endpoint of its choosing.
 * </ul>
 *
 * <p>Which of the resulting locations may be used is {@link SourcePolicy}'s decision.
 */
public final class LocationResolver {

  private static final String SUPPORTED = "file, pvc, http, https, s3";
  private static final String DEFAULT_KEY = "default";
  /**
   * What a registration's {@code storage_params} may set: which kind of entry and which bucket.
   * Endpoint, credentials, region and CA stay the operator's (the storage-config Secret's).
   */
  static final java.util.Set<String> CLIENT_PARAMS = java.util.Set.of("type", "bucket");

  private final StorageConfigs configs;
  private final Path pvcRoot;

  public LocationResolver(StorageConfigs configs, Path pvcRoot) {
    this.configs = configs;
    this.pvcRoot = pvcRoot.toAbsolutePath().normalize();
  }

  /** @throws ModelLoadException with the reason when the path or key cannot be used */
  public ArtifactLocation resolve(ModelSpec spec) {
    String path = spec.path().trim();
    if (path.isEmpty()) {
      throw new ModelLoadException("model path is empty");
    }
    ModelKey key = ModelKey.parse(spec.key());
    String scheme = scheme(path);
    return switch (scheme) {
      case "file" -> new ArtifactLocation.Local(fileUri(path));
      case "pvc" -> pvc(path.substring("pvc://".length()), path);
      case "http", "https" -> http(path);
      case "s3" -> s3Uri(path, key);
      case "" -> key.isEmpty() ? new ArtifactLocation.Local(localPath(path)) : inStorage(path, key);
      default -> throw new ModelLoadException("storage scheme '" + scheme + "' of '" + path
          + "' is not supported (supported: " + SUPPORTED + ")");
    };
  }

  private static String scheme(String path) {
    int end = path.indexOf("://");
    if (end > 0 && path.substring(0, end).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      return path.substring(0, end).toLowerCase(Locale.ROOT);
    }
    return path.regionMatches(true, 0, "file:", 0, 5) ? "file" : "";
  }

  private static Path fileUri(String path) {
    try {
      return Path.of(URI.create(path)).normalize();
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new ModelLoadException("bad file URI '" + path + "': " + e.getMessage());
    }
  }

  private static Path localPath(String path) {
    try {
      return Path.of(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new ModelLoadException("bad model path '" + path + "': " + e.getMessage());
    }
  }

  private ArtifactLocation.Local pvc(String claimAndPath, String original) {
    int slash = claimAndPath.indexOf('/');
    String claim = slash < 0 ? claimAndPath : claimAndPath.substring(0, slash);
    String rest = slash < 0 ? "" : claimAndPath.substring(slash + 1);
    if (claim.isEmpty() || claim.equals(".") || claim.equals("..")) {
      throw new ModelLoadException("'" + original + "' names no PVC (expected pvc://<claim>/<path>)");
    }
    Path root = pvcRoot.resolve(claim).normalize();
    Path target;
    try {
      target = root.resolve(rest).normalize();
    } catch (InvalidPathException e) {
      throw new ModelLoadException("bad PVC path '" + original + "': " + e.getMessage());
    }
    if (!root.getParent().equals(pvcRoot) || !target.startsWith(root)) {
      throw new ModelLoadException("'" + original + "' points outside its PVC");
    }
    return new ArtifactLocation.Local(target);
  }

  private static ArtifactLocation.Http http(String path) {
    URI uri;
    try {
      uri = URI.create(path);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("bad URL '" + path + "': " + e.getMessage());
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ModelLoadException("URL '" + path + "' has no host");
    }
    return new ArtifactLocation.Http(uri);
  }

  private ArtifactLocation.S3 s3Uri(String path, ModelKey key) {
    String rest = path.substring("s3://".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String object = slash < 0 ? "" : stripLeadingSlashes(rest.substring(slash + 1));
    if (bucket.isEmpty()) {
      throw new ModelLoadException("'" + path + "' names no bucket (expected s3://<bucket>/<path>)");
    }
    StorageConfigEntry access = entry(key, "s3");
    if (!access.type().equals("s3")) {
      throw new ModelLoadException(access.describe() + " is of type '" + access.type()
          + "', but '" + path + "' is an s3:// URI");
    }
    return new ArtifactLocation.S3(bucket, object, access);
  }

  private ArtifactLocation inStorage(String path, ModelKey key) {
    StorageConfigEntry entry = entry(key, key.params().get("type"));
    return switch (entry.type()) {
      case "s3" -> {
        if (entry.bucket().isEmpty()) {
          throw new ModelLoadException(entry.describe() + " has no bucket or default_bucket and "
              + "the model names none (storage_params.bucket)");
        }
        yield new ArtifactLocation.S3(entry.bucket(), stripLeadingSlashes(path), entry);
      }
      case "pvc" -> {
        if (entry.pvcName().isEmpty()) {
          throw new ModelLoadException(entry.describe() + " of type pvc has no \"name\"");
        }
        yield pvc(entry.pvcName() + "/" + stripLeadingSlashes(path), path);
      }
      default -> throw new ModelLoadException(entry.describe() + " has storage type '"
          + entry.type() + "', which this node does not support (supported: s3, pvc)");
    };
  }

  /**
   * The entry the key names (it must exist), else the default entry for the type, else an
   * anonymous one; with the key's storage_params laid over it.
   */
  private StorageConfigEntry entry(ModelKey key, String typeHint) {
    for (String name : key.params().keySet()) {
      if (!CLIENT_PARAMS.contains(name)) {
        throw new ModelLoadException("storage_params may set only " + new java.util.TreeSet<>(
            CLIENT_PARAMS) + "; '" + name + "' belongs to the storage-config entry");
      }
    }
    StorageConfigEntry base;
    if (key.storageKey().isPresent()) {
      String name = key.storageKey().get();
      base = configs.get(name).orElseThrow(() -> new ModelLoadException("storage key '" + name
          + "' is not in the storage config" + (configs.isEmpty()
              ? " (the node has no --storage-config)" : " (keys: " + configs.keys() + ")")));
    } else {
      Optional<StorageConfigEntry> byType = typeHint == null || typeHint.isEmpty()
          ? Optional.empty() : configs.get(DEFAULT_KEY + "_" + typeHint);
      base = byType.or(() -> configs.get(DEFAULT_KEY)).orElse(null);
      if (base == null) {
        if (typeHint == null || typeHint.isEmpty()) {
          throw new ModelLoadException("the model names no storage type or key and the storage "
              + "config has no '" + DEFAULT_KEY + "' entry");
        }
        base = StorageConfigEntry.anonymous(typeHint);
      }
    }
    return base.withParams(key.params());
  }

  private static String stripLeadingSlashes(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '/') {
      i++;
    }
    return s.substring(i);
  }
}
