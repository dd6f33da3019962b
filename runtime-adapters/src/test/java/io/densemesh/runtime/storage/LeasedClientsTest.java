package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeasedClientsTest {

  /** A client that knows whether it was closed. */
  static final class Client implements AutoCloseable {
    final String key;
    boolean closed;

    Client(String key) {
      this.key = key;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private final AtomicInteger built = new AtomicInteger();
  private final List<Client> all = new ArrayList<>();
  private final LeasedClients<String, Client> clients = new LeasedClients<>(4, key -> {
    built.incrementAndGet();
    Client c = new Client(key);
    all.add(c);
    return c;
  });

  @Test
  void aKeyLeasedAgainReusesItsClient() {
    Client first;
    try (var lease = clients.lease("a")) {
      first = lease.client();
    }
    try (var lease = clients.lease("a")) {
      assertThat(lease.client()).isSameAs(first);
    }
    assertThat(built).hasValue(1);
  }

  @Test
  void staysBoundedAfter100kDistinctKeysAndClosesWhatItDrops() {
    for (int i = 0; i < 100_000; i++) {
      try (var lease = clients.lease("storage-params-" + i)) {
        assertThat(lease.client().closed).isFalse();
      }
    }
    assertThat(clients.kept()).isEqualTo(4);
    assertThat(all.stream().filter(c -> !c.closed).count()).as("open clients").isEqualTo(4);
  }

  @Test
  void aClientInUseIsClosedOnlyWhenItsLeaseEnds() {
    var held = clients.lease("busy");
    for (int i = 0; i < 10; i++) {
      clients.lease("other-" + i).close();
    }
    assertThat(clients.kept()).isEqualTo(4);
    assertThat(held.client().closed).as("still downloading").isFalse();
    held.close();
    assertThat(held.client().closed).isTrue();
  }
}
