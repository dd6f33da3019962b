package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.UnavailableException;
import org.junit.jupiter.api.Test;

/** Readiness is false before the start, while draining (still serving) and while stopping. */
class NodeStateTest {

  @Test
  void readinessTurnsFalseWhenDrainingWhileRequestsAreStillServed() {
    NodeState state = new NodeState("test");
    assertThat(state.ready()).as("not started").isFalse();

    state.markReady();
    assertThat(state.ready()).isTrue();

    state.markDraining();
    assertThat(state.ready()).as("draining").isFalse();
    state.requireServing(); // a draining node still serves what reaches it

    state.markStopping();
    assertThat(state.ready()).isFalse();
    assertThatThrownBy(state::requireServing).isInstanceOf(UnavailableException.class);
  }
}
