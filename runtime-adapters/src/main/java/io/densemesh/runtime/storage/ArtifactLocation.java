package io.densemesh.runtime.storage;

import java.net.URI;
import java.nio.file.Path;

/** Where a model's artifact lives, as {@link LocationResolver} read it from a registration. */
public sealed interface ArtifactLocation {

  /** A file or directory on a local or mounted file system (plain paths, file://, pvc://). */
  record Local(Path path) implements ArtifactLocation {}

  /** An artifact fetched over the network and kept in the disk cache. */
  sealed interface Remote extends ArtifactLocation {
    /** What identifies the bytes: two locations with the same identity share a cache entry. */
    String identity();

    /** For messages, e.g. {@code s3://bucket/path}. */
    String display();
  }

  /** One file over HTTP(S). */
  record Http(URI uri) implements Remote {
    @Override
    public String identity() {
      return "http\n" + uri;
    }

    @Override
    public String display() {
      return uri.toString();
    }
  }

  /**
   * An S3 object, or every object under a prefix (a model directory).
   *
   * @param objectPath object key or prefix, without a leading slash
   * @param access the storage-config entry whose endpoint and credentials apply
   */
  record S3(String bucket, String objectPath, StorageConfigEntry access) implements Remote {
    @Override
    public String identity() {
      return "s3\n" + access.key() + "\n" + access.endpointUrl() + "\n" + access.accessKeyId()
          + "\n" + bucket + "\n" + objectPath;
    }

    @Override
    public String display() {
      return "s3://" + bucket + "/" + objectPath;
    }
  }
}
