package io.densemesh.runtime.storage;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One mutual-exclusion lock per key, held only while someone uses it: a key's lock exists from
 * the first {@link #lock} to the last {@link Held#close}, so the map holds the keys in use now,
 * not every key ever seen (keys come from clients: model storage paths).
 */
final class KeyedLocks {

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    int users; // guarded by the map
  }

  /** A held lock; closing it unlocks and forgets the key when nobody else waits for it. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private final Map<String, Slot> slots = new HashMap<>();

  /** Blocks until this thread holds {@code key}'s lock. */
  Held lock(String key) {
    Slot slot;
    synchronized (slots) {
      slot = slots.computeIfAbsent(key, k -> new Slot());
      slot.users++;
    }
    slot.lock.lock();
    return () -> {
      slot.lock.unlock();
      synchronized (slots) {
        if (--slot.users == 0) {
          slots.remove(key);
        }
      }
    };
  }

  /** Keys with a lock held or waited for now. */
  int size() {
    synchronized (slots) {
      return slots.size();
    }
  }
}
