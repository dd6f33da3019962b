package io.densemesh.admission;

import io.densemesh.runtime.error.OverloadedException;
import io.grpc.Context;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The node's door for requests it serves itself: a request takes a {@link Ticket} (one of the
 * {@link InFlightLimit}'s permits) for its whole life here, waiting for a load included, or is
 * refused at once with {@link OverloadedException}. Refusals are reported by reason
 * ({@link #IN_FLIGHT}; the model cache reports its own) to the metrics.
 *
 * <p>A front end that admits a request early (the gRPC one does, before it waits for a load
 * without holding a thread) runs the rest of the request in {@link #admittedContext}, so the
 * {@link AdmittedServing} further down the chain does not count it twice.
 */
public final class Admission {

  /** Refusal reason: the node is at its limit of requests in flight. */
  public static final String IN_FLIGHT = "in_flight";

  /** What a refused caller is told to wait before trying again. */
  public static final Duration RETRY_AFTER = Duration.ofMillis(500);

  private static final Context.Key<Ticket> ADMITTED = Context.key("densemesh-admitted");

  private final InFlightLimit limit;
  private final Consumer<String> refused;

  /** @param refused told the reason of each refusal (metrics) */
  public Admission(InFlightLimit limit, Consumer<String> refused) {
    this.limit = limit;
    this.refused = refused;
  }

  /**
   * Admits one request.
   *
   * @throws OverloadedException when the node is at its limit
   */
  public Ticket enter() {
    if (!limit.tryAcquire()) {
      refused.accept(IN_FLIGHT);
      throw new OverloadedException("node is at its limit of " + limit.limit()
          + " requests in flight; retry shortly or on another node", RETRY_AFTER);
    }
    return new Ticket(limit);
  }

  /** Whether the current call was admitted already (see {@link #admittedContext}). */
  public static boolean admittedHere() {
    return ADMITTED.get() != null;
  }

  /** {@code call}'s gRPC context marked as admitted with {@code ticket}. */
  public static Context admittedContext(Context call, Ticket ticket) {
    return call.withValue(ADMITTED, ticket);
  }

  public InFlightLimit limit() {
    return limit;
  }

  /** One admitted request's permit; closing it more than once is harmless. */
  public static final class Ticket implements AutoCloseable {
    private final InFlightLimit limit;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Ticket(InFlightLimit limit) {
      this.limit = limit;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        limit.release();
      }
    }
  }
}
