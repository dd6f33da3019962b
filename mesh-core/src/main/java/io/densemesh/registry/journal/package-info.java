/**
 * The embedded registry's crash-safe journal: the on-disk entry format (length, header and
 * payload CRC32C), replay that tells a torn last write from damage that would hide acknowledged
 * entries, appends that leave the file as it was when they fail, fsynced compaction, and the lock
 * that keeps a second process off a data directory.
 */
package io.densemesh.registry.journal;
