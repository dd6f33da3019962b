package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.errors.FatalErrors;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Unary handlers: typed errors become statuses; a JVM Error ends the process instead. */
class UnaryTest {

  private final List<Error> ended = new ArrayList<>();
  private final Recorder observer = new Recorder();
  private Consumer<Error> previous;

  /** What a handler answered. */
  private static final class Recorder implements StreamObserver<String> {
    final List<String> values = new ArrayList<>();
    Throwable error;
    boolean completed;

    @Override
    public void onNext(String value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  @BeforeEach
  void replaceTheExit() {
    previous = FatalErrors.replaceEnd(ended::add);
  }

  @AfterEach
  void restoreTheExit() {
    FatalErrors.replaceEnd(previous);
  }

  @Test
  void anAnswerIsSentAndCompleted() {
    Unary.run(observer, () -> "ok");

    assertThat(observer.values).containsExactly("ok");
    assertThat(observer.completed).isTrue();
  }

  @Test
  void aTypedErrorBecomesItsStatus() {
    Unary.run(observer, () -> {
      throw new ModelNotFoundException("no such model");
    });

    assertThat(Status.fromThrowable(observer.error).getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(ended).isEmpty();
  }

  @Test
  void outOfMemoryEndsTheProcessInsteadOfAnsweringInternal() {
    // Regression: Unary.run mapped OutOfMemoryError to INTERNAL and the node served on.
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");

    assertThatThrownBy(() -> Unary.run(observer, () -> {
      throw oom;
    })).isSameAs(oom);

    assertThat(ended).containsExactly(oom);
    assertThat(observer.error).as("no INTERNAL answer").isNull();
  }
}
