package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.ModelSpec;
import org.junit.jupiter.api.Test;

/** One model's slot: its bounded waiters, dropping an unwanted queued load, and leases. */
class CacheEntryTest {

  private final ModelSpec spec = new ModelSpec("m", "fake", "/models/m", "");

  @Test
  void waitersBeyondTheBoundAreRefusedUntilOneLeaves() {
    CacheEntry entry = new CacheEntry(spec, 0, true);

    assertThat(entry.enterWait(2)).isTrue();
    assertThat(entry.enterWait(2)).isTrue();
    assertThat(entry.enterWait(2)).as("a third waiter").isFalse();
    assertThat(entry.waiters()).isEqualTo(2);

    assertThat(entry.leaveWait()).isFalse();
    assertThat(entry.enterWait(2)).isTrue();
  }

  @Test
  void aQueuedOnDemandLoadWhoseWaitersAllLeftIsDroppedAndNeverStarts() {
    CacheEntry entry = new CacheEntry(spec, 0, true);
    entry.enterWait(5);
    entry.enterWait(5);

    assertThat(entry.leaveWait()).as("one waiter remains").isFalse();
    assertThat(entry.dropped()).isFalse();
    assertThat(entry.leaveWait()).as("the last waiter drops it").isTrue();
    assertThat(entry.dropped()).isTrue();
    assertThat(entry.start()).isFalse();
  }

  @Test
  void aStartedLoadRunsOnWhenItsWaitersLeave() {
    CacheEntry entry = new CacheEntry(spec, 0, true);
    entry.enterWait(5);
    assertThat(entry.start()).isTrue();

    assertThat(entry.leaveWait()).isFalse();
    assertThat(entry.dropped()).isFalse();
  }

  @Test
  void aLoadTheMeshAskedForIsNotDroppedWhenRequestsLeave() {
    CacheEntry entry = new CacheEntry(spec, 0, true);
    entry.keep();
    entry.enterWait(5);

    assertThat(entry.leaveWait()).isFalse();
    assertThat(entry.start()).isTrue();
  }

  @Test
  void aLeasedEntryIsNotRetiredAndARetiredOneGivesNoLease() {
    CacheEntry entry = new CacheEntry(spec, 0, false);
    assertThat(entry.retain()).isTrue();
    assertThat(entry.tryRetire()).isFalse();

    assertThat(entry.release()).isTrue();
    assertThat(entry.tryRetire()).isTrue();
    assertThat(entry.retain()).isFalse();
    assertThat(entry.retired()).isTrue();
  }
}
