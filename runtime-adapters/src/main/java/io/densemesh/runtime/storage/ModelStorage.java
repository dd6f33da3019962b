package io.densemesh.runtime.storage;

import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The one place a model's registered path becomes a local artifact. Local and PVC paths are used
 * where they are; HTTP(S) and S3 artifacts come from the {@link ArtifactDiskCache}, downloaded
 * into it on a miss. Every failure is a {@link ModelLoadException} whose message says what went
 * wrong (missing object, refused credentials, truncated or corrupt download, limits).
 */
public final class ModelStorage implements AutoCloseable {

  private final LocationResolver resolver;
  private final ArtifactDiskCache cache;
  private final TransferLimits limits;
  private final SourcePolicy sources;
  private final HttpStore http;
  private final S3Clients s3Clients;
  private final S3Store s3;
  private final StorageListener listener;
  private final Clock clock;

  private ModelStorage(LocationResolver resolver, ArtifactDiskCache cache, TransferLimits limits,
      SourcePolicy sources, StorageListener listener, Clock clock) {
    this.resolver = resolver;
    this.sources = sources;
    this.http = new HttpStore(sources);
    this.cache = cache;
    this.limits = limits;
    this.listener = listener;
    this.clock = clock;
    this.s3Clients = new S3Clients(limits.timeout());
    this.s3 = new S3Store(s3Clients);
  }

  /** Storage with every provider, its disk cache opened (or created) under the options' dir. */
  public static ModelStorage create(StorageConfigs configs, StorageOptions options,
      StorageListener listener, Clock clock) {
    ArtifactDiskCache cache =
        new ArtifactDiskCache(options.cacheDir(), options.cacheBytes(), listener, clock);
    return new ModelStorage(new LocationResolver(configs, options.pvcRoot()), cache,
        options.limits(), options.sources(), listener, clock);
  }

  /** Local files only (plain paths, file://), anywhere; for unit tests without a node. */
  public static ModelStorage localOnly() {
    return new ModelStorage(new LocationResolver(StorageConfigs.empty(), Path.of("/pvc_mounts")),
        null, new TransferLimits(1, Duration.ofSeconds(1)), SourcePolicy.unrestricted(),
        StorageListener.NONE, Clock.systemUTC());
  }

  /**
   * Stages the model's artifact on local disk; close the result once the model is loaded.
   *
   * @throws ModelLoadException with the reason when it cannot
   */
  public StagedArtifact fetch(ModelSpec spec) {
    ArtifactLocation location = resolver.resolve(spec);
    if (location instanceof ArtifactLocation.Local local) {
      return local(sources.checkLocal(local.path(), spec.path().trim()));
    }
    ArtifactLocation.Remote remote = (ArtifactLocation.Remote) location;
    if (remote instanceof ArtifactLocation.Http web) {
      sources.checkUrl(web.uri()); // refused before any cache or disk work
    }
    if (cache == null) {
      throw new ModelLoadException("remote storage is not configured here: " + remote.display());
    }
    try {
      return cache.get(remote.identity(), dir -> download(remote, dir));
    } catch (UncheckedIOException e) {
      throw new ModelLoadException("cannot stage " + remote.display() + " on local disk: "
          + e.getMessage(), e);
    }
  }

  private RemoteStore.Fetched download(ArtifactLocation.Remote remote, Path dir) {
    long start = clock.millis();
    TransferBudget budget = new TransferBudget(limits, clock, remote.display());
    try {
      RemoteStore.Fetched fetched = remote instanceof ArtifactLocation.S3 s
          ? s3.fetch(s, dir, budget)
          : http.fetch((ArtifactLocation.Http) remote, dir, budget);
      listener.artifactDownloaded(fetched.bytes(), clock.millis() - start);
      return fetched;
    } catch (RuntimeException e) {
      listener.artifactDownloadFailed();
      throw e;
    }
  }

  private static StagedArtifact local(Path path) {
    long size = sizeOnDisk(path);
    return new StagedArtifact() {
      @Override
      public Path path() {
        return path;
      }

      @Override
      public long sizeBytes() {
        return size;
      }

      @Override
      public void close() {}
    };
  }

  /** Bytes on disk of a file or a directory tree. */
  static long sizeOnDisk(Path artifact) {
    try {
      if (Files.isRegularFile(artifact)) {
        return Files.size(artifact);
      }
      try (Stream<Path> files = Files.walk(artifact)) {
        return files.filter(Files::isRegularFile).mapToLong(ModelStorage::size).sum();
      }
    } catch (IOException | UncheckedIOException e) {
      throw new ModelLoadException("cannot read " + artifact + ": " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Bytes held by the disk cache of downloaded artifacts (0 without one). */
  public long cachedBytes() {
    return cache == null ? 0 : cache.usedBytes();
  }

  @Override
  public void close() {
    s3Clients.close();
    if (cache != null) {
      cache.close();
    }
  }
}
