package io.densemesh.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.OverloadedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {

  @Test
  void permitsUpToTheLimitThenRefusesUntilOneIsReturned() {
    InFlightLimit limit = new InFlightLimit(2);

    assertThat(limit.tryAcquire()).isTrue();
    assertThat(limit.tryAcquire()).isTrue();
    assertThat(limit.tryAcquire()).isFalse();
    limit.release();
    assertThat(limit.tryAcquire()).isTrue();
    assertThat(limit.inFlight()).isEqualTo(2);
  }

  @Test
  void loweringTheLimitRefusesNewRequestsUntilRunningOnesFinish() {
    InFlightLimit limit = new InFlightLimit(3);
    limit.tryAcquire();
    limit.tryAcquire();

    limit.setLimit(1);

    assertThat(limit.tryAcquire()).isFalse();
    limit.release();
    assertThat(limit.tryAcquire()).isFalse();
    limit.release();
    assertThat(limit.tryAcquire()).isTrue();
  }

  @Test
  void releasingMoreThanWasTakenIsAnError() {
    InFlightLimit limit = new InFlightLimit(1);

    assertThatThrownBy(limit::release).isInstanceOf(IllegalStateException.class);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void admissionRefusesWithOverloadAndCountsTheReasonAndTicketsCloseOnce() {
    List<String> reasons = new ArrayList<>();
    Admission admission = new Admission(new InFlightLimit(1), reasons::add);

    Admission.Ticket ticket = admission.enter();
    assertThatThrownBy(admission::enter).isInstanceOf(OverloadedException.class)
        .hasMessageContaining("limit of 1 requests in flight")
        .satisfies(e -> assertThat(((OverloadedException) e).retryAfter()).isPositive());
    ticket.close();
    ticket.close();

    assertThat(reasons).containsExactly(Admission.IN_FLIGHT);
    assertThat(admission.limit().inFlight()).isZero();
    admission.enter().close();
  }
}
