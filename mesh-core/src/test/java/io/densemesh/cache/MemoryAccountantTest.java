package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.placement.EvictionPlan;
import io.densemesh.runtime.error.CapacityExhaustedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryAccountantTest {

  private final MemoryAccountant budget = new MemoryAccountant(300, 1_000);
  private final OldestFirst evictor = new OldestFirst();

  /** Idle copies in the order they were charged; a plan takes the oldest until it suffices. */
  private static final class OldestFirst implements MemoryAccountant.Evictor {
    final Map<String, MemoryAccountant.Charge> idle = new LinkedHashMap<>();
    final List<String> asked = new ArrayList<>();

    @Override
    public EvictionPlan plan(boolean gpu, long deficitBytes, long incomingBytes) {
      asked.add((gpu ? "gpu:" : "host:") + deficitBytes);
      List<String> victims = new ArrayList<>();
      long freed = 0;
      for (var e : idle.entrySet()) {
        long size = gpu ? e.getValue().gpuBytes() : e.getValue().bytes();
        if (freed >= deficitBytes || size == 0) {
          continue;
        }
        victims.add(e.getKey());
        freed += size;
      }
      return freed >= deficitBytes ? new EvictionPlan(victims, freed, true)
          : EvictionPlan.impossible();
    }

    @Override
    public List<MemoryAccountant.Charge> retire(EvictionPlan plan) {
      List<MemoryAccountant.Charge> freed = new ArrayList<>();
      plan.victims().forEach(id -> freed.add(idle.remove(id)));
      return freed;
    }
  }

  private MemoryAccountant.Charge resident(String id, long bytes, long gpuBytes) {
    MemoryAccountant.Charge charge = new MemoryAccountant.Charge();
    budget.reserve(charge, bytes, gpuBytes, evictor);
    evictor.idle.put(id, charge);
    return charge;
  }

  @Test
  void aBudgetExactlyFullEvictsNothingAndOneByteMoreEvicts() {
    resident("a", 100, 0);
    resident("b", 100, 0);
    MemoryAccountant.Charge c = resident("c", 100, 0);

    assertThat(budget.usedBytes()).isEqualTo(300);
    assertThat(evictor.asked).as("exactly full is within the budget").isEmpty();
    assertThat(c.bytes()).isEqualTo(100);

    MemoryAccountant.Charge d = new MemoryAccountant.Charge();
    budget.reserve(d, 1, 0, evictor);
    assertThat(evictor.asked).containsExactly("host:1");
    assertThat(evictor.idle).doesNotContainKey("a");
    assertThat(budget.usedBytes()).isEqualTo(201);
  }

  @Test
  void noRoomChargesNothingAndSaysWhoHoldsTheMemory() {
    MemoryAccountant.Charge busy = new MemoryAccountant.Charge();
    budget.reserve(busy, 250, 0, evictor); // not idle: the evictor cannot take it

    MemoryAccountant.Charge big = new MemoryAccountant.Charge();
    assertThatThrownBy(() -> budget.reserve(big, 100, 0, evictor))
        .isInstanceOf(CapacityExhaustedException.class)
        .hasMessageContaining("serving requests");
    assertThat(big.bytes()).isZero();
    assertThat(budget.usedBytes()).isEqualTo(250);
  }

  @Test
  void releasingAChargeNeverReservedChangesNothing() {
    resident("a", 120, 40);
    budget.release(new MemoryAccountant.Charge());

    assertThat(budget.usedBytes()).isEqualTo(120);
    assertThat(budget.gpuUsedBytes()).isEqualTo(40);
  }

  @Test
  void releasingTwiceReturnsTheBytesOnce() {
    MemoryAccountant.Charge a = resident("a", 120, 40);
    budget.release(a);
    budget.release(a);

    assertThat(budget.usedBytes()).isZero();
    assertThat(budget.gpuUsedBytes()).isZero();
  }

  @Test
  void headroomLowersWhatCopiesMayHold() {
    budget.setHeadroomFraction(0.5);
    resident("a", 100, 0);
    resident("b", 50, 0); // exactly the 150 limit

    resident("c", 1, 0);
    assertThat(evictor.asked).containsExactly("host:1");
    assertThat(budget.limitBytes()).isEqualTo(150);
    assertThatThrownBy(() -> budget.setHeadroomFraction(0.95))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aGpuDeficitIsPlannedAmongGpuCopiesAndFreesBothBudgets() {
    resident("cpu", 100, 0);
    resident("gpu1", 50, 600);
    resident("gpu2", 50, 300);

    MemoryAccountant.Charge next = new MemoryAccountant.Charge();
    budget.reserve(next, 50, 500, evictor);

    assertThat(evictor.asked).containsExactly("gpu:400");
    assertThat(evictor.idle).containsOnlyKeys("cpu", "gpu2");
    assertThat(budget.gpuUsedBytes()).isEqualTo(800);
    assertThat(budget.usedBytes()).isEqualTo(200);
  }

  @Test
  void aMeasuredSizeAboveTheReservationIsBestEffortOnHost() {
    MemoryAccountant.Charge busy = new MemoryAccountant.Charge();
    budget.reserve(busy, 200, 0, evictor);
    MemoryAccountant.Charge loading = new MemoryAccountant.Charge();
    budget.reserve(loading, 100, 0, evictor);

    budget.recharge(loading, 150, 0, evictor); // nothing idle: the node runs over

    assertThat(loading.bytes()).isEqualTo(150);
    assertThat(budget.usedBytes()).isEqualTo(350);
  }

  @Test
  void aMeasuredGpuSizeThatDoesNotFitFailsAndKeepsTheReservation() {
    MemoryAccountant.Charge busy = new MemoryAccountant.Charge();
    budget.reserve(busy, 10, 900, evictor);
    MemoryAccountant.Charge loading = new MemoryAccountant.Charge();
    budget.reserve(loading, 10, 50, evictor);

    assertThatThrownBy(() -> budget.recharge(loading, 10, 200, evictor))
        .isInstanceOf(CapacityExhaustedException.class)
        .hasMessageContaining("GPU");
    assertThat(loading.gpuBytes()).isEqualTo(50);
    budget.release(loading);
    assertThat(budget.gpuUsedBytes()).isEqualTo(900);
  }

  @Test
  void aSmallerMeasurementReturnsTheDifference() {
    MemoryAccountant.Charge loading = new MemoryAccountant.Charge();
    budget.reserve(loading, 200, 100, evictor);
    budget.recharge(loading, 80, 20, evictor);

    assertThat(budget.usedBytes()).isEqualTo(80);
    assertThat(budget.gpuUsedBytes()).isEqualTo(20);
    assertThat(evictor.asked).isEmpty();
  }
}
