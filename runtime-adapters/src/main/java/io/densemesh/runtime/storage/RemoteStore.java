package io.densemesh.runtime.storage;

import java.nio.file.Path;

/**
 * A store artifacts are downloaded from. A store writes the artifact under an empty directory it
 * is given (a temp directory the disk cache renames into place once the store returns) and
 * verifies what it wrote; it throws {@link io.densemesh.runtime.error.ModelLoadException} with the
 * reason when it cannot.
 */
interface RemoteStore<L extends ArtifactLocation.Remote> {

  /** @return the artifact's path relative to {@code dir} and its size */
  Fetched fetch(L location, Path dir, TransferBudget budget);

  /** What a fetch wrote: the artifact (a file or a directory) relative to its directory. */
  record Fetched(String relativePath, long bytes) {}
}
