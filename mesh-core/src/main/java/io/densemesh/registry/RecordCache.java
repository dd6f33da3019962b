package io.densemesh.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * A bounded cache of persistent registry records (models), so a node's memory follows the models
 * it holds, routes or saw recently rather than every registered one.
 *
 * <p>Filled by point reads ({@link #offer}) and kept fresh by the registry's prefix watch: an
 * event for a cached id updates or drops it ({@link #put}, {@link #delete}); events for other
 * ids are skipped. The one race to close is a point read answered at revision R whose result
 * arrives after the watch skipped a newer change of the same id: caching it would hide that
 * change. So skipped changes are remembered (id to revision, the latest {@code skippedCapacity}
 * of them; anything older is summarised by one floor revision) and a point read older than the
 * id's last skipped change is answered but not cached. A stale record is therefore never cached,
 * and a miss always goes to the store, so the cache only ever saves reads.
 *
 * <p>Reads are lock-free (Caffeine); changes are serialized on this object's monitor (the
 * watch thread and readers offering point-read results). Weighted by an estimate of the
 * record's heap footprint.
 */
final class RecordCache<T> {

  /** Per-entry heap besides the record's bytes: node, key string, Versioned wrapper. */
  private static final int ENTRY_OVERHEAD = 96;

  private final Cache<String, Versioned<T>> cache;
  private final LinkedHashMap<String, Long> skipped; // guarded by this
  private long skippedFloor; // guarded by this

  /**
   * @param maxBytes bound on the estimated heap the cached records take
   * @param sizeOf a record's serialized size; its heap footprint is estimated from it
   * @param skippedCapacity how many skipped changes are remembered by id
   * @param executor Caffeine's maintenance executor ({@code Runnable::run} in tests)
   */
  RecordCache(long maxBytes, ToIntFunction<T> sizeOf, int skippedCapacity, Executor executor) {
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .<String, Versioned<T>>weigher((id, v) ->
            ENTRY_OVERHEAD + 2 * id.length() + 4 * sizeOf.applyAsInt(v.value()))
        .executor(executor)
        .build();
    this.skipped = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        if (size() > skippedCapacity) {
          skippedFloor = Math.max(skippedFloor, eldest.getValue());
          return true;
        }
        return false;
      }
    };
  }

  /** The cached record, or null when not cached (the caller reads the store). */
  Versioned<T> get(String id) {
    return cache.getIfPresent(id);
  }

  /**
   * A watch event: the record was written at {@code version}; {@code record} decodes it (only
   * called when the id is cached, so skipped events cost no parsing).
   *
   * @return true when a cached record changed
   */
  synchronized boolean put(String id, long version, Supplier<T> record) {
    Versioned<T> current = cache.getIfPresent(id);
    if (current == null) {
      skip(id, version);
      return false;
    }
    if (version > current.version()) {
      cache.put(id, new Versioned<>(record.get(), version));
      return true;
    }
    return false;
  }

  /**
   * A watch event: the record was deleted at {@code revision}.
   *
   * @return true when a cached record was dropped
   */
  synchronized boolean delete(String id, long revision) {
    skip(id, revision); // a point read older than this delete must not bring the record back
    Versioned<T> current = cache.getIfPresent(id);
    if (current != null && revision > current.version()) {
      cache.invalidate(id);
      return true;
    }
    return false;
  }

  /**
   * A point read's answer as of {@code readRevision}: cached unless a change of the id newer
   * than the read may have been skipped, or a newer record is cached already.
   *
   * @return true when cached
   */
  synchronized boolean offer(String id, Versioned<T> record, long readRevision) {
    Long last = skipped.get(id);
    if ((last == null ? skippedFloor : last) > readRevision) {
      return false;
    }
    Versioned<T> current = cache.getIfPresent(id);
    if (current == null || record.version() > current.version()) {
      cache.put(id, record);
    }
    return true;
  }

  /**
   * The watch restarts at {@code revision} (a reload): changes before it may have been missed.
   * Cached records stay (a reload never empties what readers see) but point reads answered before
   * {@code revision} are no longer cached; the caller re-reads the returned ids and answers with
   * {@link #offer} or {@link #absent}.
   *
   * @return the ids cached now
   */
  synchronized List<String> restartAt(long revision) {
    skipped.clear();
    skippedFloor = Math.max(skippedFloor, revision);
    return List.copyOf(cache.asMap().keySet());
  }

  /** A read at {@code readRevision} found no record: a cached older one is dropped. */
  synchronized void absent(String id, long readRevision) {
    Versioned<T> current = cache.getIfPresent(id);
    if (current != null && current.version() <= readRevision) {
      cache.invalidate(id);
    }
  }

  /** Number of cached records (estimate). */
  long size() {
    return cache.estimatedSize();
  }

  private void skip(String id, long revision) {
    skipped.remove(id); // re-insert at the young end
    skipped.put(id, revision);
  }
}
