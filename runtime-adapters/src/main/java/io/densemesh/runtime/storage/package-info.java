/**
 * Model storage: turns a registered model path (and its storage key) into a local artifact.
 * Providers for {@code file://} and plain paths, {@code pvc://}, {@code http(s)://} and
 * {@code s3://} (AWS SDK v2) sit behind {@link io.densemesh.runtime.storage.ModelStorage}, the one
 * entry point; remote artifacts are downloaded atomically into a bounded, LRU-by-bytes
 * {@link io.densemesh.runtime.storage.ArtifactDiskCache}. Credentials come from a KServe / ModelMesh
 * {@code storage-config} secret ({@link io.densemesh.runtime.storage.StorageConfigs}).
 */
package io.densemesh.runtime.storage;
