package io.densemesh.registry;

/**
 * A record with the registry revision at which it was last written; compare-and-set writes name
 * the version they expect (as etcd's mod_revision).
 */
public record Versioned<T>(T value, long version) {}
