package io.densemesh.runtime.storage;

import java.nio.file.Path;

/**
 * A model's artifact on local disk, held for the duration of a load. While it is open, the disk
 * cache will not evict it; close it once the runtime has read what it needs.
 */
public interface StagedArtifact extends AutoCloseable {

  /** The file or directory to load. */
  Path path();

  /** Bytes on disk of the artifact (all files of a directory). */
  long sizeBytes();

  /** Releases the artifact; idempotent, never throws. */
  @Override
  void close();
}
