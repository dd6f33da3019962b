package io.densemesh.runtime.storage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients built per key (an S3 client per storage configuration) and reused, at most {@code
 * maxKept} of them: keys come from registrations ({@code storage_params}), so the set of keys is
 * unbounded. When a new key pushes the count over the bound, the least recently leased client
 * leaves the pool; it is closed at once if idle, else when its last lease is closed, so a download
 * in progress never loses its client.
 */
final class LeasedClients<K, C extends AutoCloseable> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LeasedClients.class);

  /** A client in use; close it when the call that needed it is done. */
  interface Lease<C> extends AutoCloseable {
    C client();

    @Override
    void close();
  }

  private final class Slot {
    final C client;
    int leases; // guarded by LeasedClients.this
    boolean retired; // guarded by LeasedClients.this

    Slot(C client) {
      this.client = client;
    }
  }

  private final int maxKept;
  private final Function<K, C> factory;
  private final LinkedHashMap<K, Slot> slots = new LinkedHashMap<>(16, 0.75f, true);

  LeasedClients(int maxKept, Function<K, C> factory) {
    if (maxKept < 1) {
      throw new IllegalArgumentException("maxKept must be at least 1");
    }
    this.maxKept = maxKept;
    this.factory = factory;
  }

  /** The client of {@code key}, built if none is kept. */
  Lease<C> lease(K key) {
    Slot slot;
    List<C> idle = new ArrayList<>();
    synchronized (this) {
      slot = slots.get(key);
      if (slot == null) {
        slot = new Slot(factory.apply(key));
        slots.put(key, slot);
        idle = retireOverBound();
      }
      slot.leases++;
    }
    idle.forEach(LeasedClients::closeQuietly);
    Slot leased = slot;
    return new Lease<>() {
      private boolean closed;

      @Override
      public C client() {
        return leased.client;
      }

      @Override
      public void close() {
        boolean closeClient;
        synchronized (LeasedClients.this) {
          if (closed) {
            return;
          }
          closed = true;
          closeClient = --leased.leases == 0 && leased.retired;
        }
        if (closeClient) {
          closeQuietly(leased.client);
        }
      }
    };
  }

  /** Caller holds this. Drops the least recently leased over the bound; the idle ones to close. */
  private List<C> retireOverBound() {
    List<C> idle = new ArrayList<>();
    for (Iterator<Map.Entry<K, Slot>> it = slots.entrySet().iterator();
        it.hasNext() && slots.size() > maxKept; ) {
      Slot s = it.next().getValue();
      it.remove();
      s.retired = true;
      if (s.leases == 0) {
        idle.add(s.client);
      }
    }
    return idle;
  }

  /** Clients kept for reuse now. */
  synchronized int kept() {
    return slots.size();
  }

  @Override
  public void close() {
    List<C> all;
    synchronized (this) {
      all = slots.values().stream().map(s -> s.client).toList();
      slots.values().forEach(s -> s.retired = true);
      slots.clear();
    }
    all.forEach(LeasedClients::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable client) {
    try {
      client.close();
    } catch (Exception e) {
      log.warn("closing a storage client: {}", e.getMessage());
    }
  }
}
