package io.densemesh.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Status.Code;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {

  @Test
  void eachErrorTypeHasItsStatus() {
    assertThat(code(new ModelNotFoundException("m"))).isEqualTo(Code.NOT_FOUND);
    assertThat(code(new InvalidInputException("m"))).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(code(new ModelLoadException("m"))).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(code(new PreconditionFailedException("m"))).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(code(new CapacityExhaustedException("m"))).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(code(new ConflictException("m"))).isEqualTo(Code.ALREADY_EXISTS);
    assertThat(code(new UnavailableException("m"))).isEqualTo(Code.UNAVAILABLE);
    assertThat(code(new DeadlineExceededException("m"))).isEqualTo(Code.DEADLINE_EXCEEDED);
    assertThat(code(new IllegalStateException("bug"))).isEqualTo(Code.INTERNAL);
  }

  @Test
  void httpCodesFollowTheGrpcStatus() {
    assertThat(ErrorMapping.httpStatus(new ModelNotFoundException("m"))).isEqualTo(404);
    assertThat(ErrorMapping.httpStatus(new InvalidInputException("m"))).isEqualTo(400);
    assertThat(ErrorMapping.httpStatus(new ModelLoadException("m"))).isEqualTo(400);
    assertThat(ErrorMapping.httpStatus(new CapacityExhaustedException("m"))).isEqualTo(503);
    assertThat(ErrorMapping.httpStatus(new UnavailableException("m"))).isEqualTo(503);
    assertThat(ErrorMapping.httpStatus(new ConflictException("m"))).isEqualTo(409);
    assertThat(ErrorMapping.httpStatus(new RuntimeException("m"))).isEqualTo(500);
    assertThat(ErrorMapping.httpStatus(
        new io.densemesh.runtime.error.RequestTimeoutException("m"))).isEqualTo(408);
    assertThat(ErrorMapping.grpcStatus(new io.densemesh.runtime.error.RequestTimeoutException(
        "m")).getCode()).isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);
    assertThat(ErrorMapping.grpcCode(408)).isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void identityErrorsHaveTheirStatusAndHeaders() {
    var unauthenticated = new io.densemesh.runtime.error.UnauthenticatedException("no token");
    assertThat(code(unauthenticated)).isEqualTo(Code.UNAUTHENTICATED);
    assertThat(ErrorMapping.httpStatus(unauthenticated)).isEqualTo(401);
    assertThat(ErrorMapping.httpHeaders(unauthenticated))
        .containsEntry("WWW-Authenticate", ErrorMapping.BEARER_CHALLENGE);
    assertThat(ErrorMapping.grpcError(unauthenticated).getTrailers().get(
        io.grpc.Metadata.Key.of("www-authenticate", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo(ErrorMapping.BEARER_CHALLENGE);
    var denied = new io.densemesh.runtime.error.PermissionDeniedException("reader");
    assertThat(code(denied)).isEqualTo(Code.PERMISSION_DENIED);
    assertThat(ErrorMapping.httpStatus(denied)).isEqualTo(403);
    var limited = new io.densemesh.runtime.error.TenantLimitException("slow down",
        java.util.Optional.of(java.time.Duration.ofMillis(1500)));
    assertThat(code(limited)).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(ErrorMapping.httpStatus(limited)).isEqualTo(429);
    assertThat(ErrorMapping.httpHeaders(limited)).containsEntry("Retry-After", "2")
        .containsEntry("retry-after-ms", "1500");
    assertThat(ErrorMapping.grpcError(new InvalidInputException("x")).getTrailers())
        .as("never null: interceptors close calls with them").isNotNull();
  }

  @Test
  void theMessageTravelsNotTheType() {
    assertThat(ErrorMapping.grpcStatus(new InvalidInputException("input 'x' is bad"))
        .getDescription()).isEqualTo("input 'x' is bad");
  }

  private static Code code(Throwable t) {
    return ErrorMapping.grpcStatus(t).getCode();
  }

  @Test
  void overloadIsRetryableResourceExhaustionAndATooLargeBodyIs413() {
    var overloaded = new io.densemesh.runtime.error.OverloadedException("busy",
        java.time.Duration.ofMillis(250));
    assertThat(code(overloaded)).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(ErrorMapping.httpStatus(overloaded)).isEqualTo(429);
    assertThat(ErrorMapping.httpHeaders(overloaded)).containsEntry("Retry-After", "1")
        .containsEntry("retry-after-ms", "250");
    assertThat(ErrorMapping.grpcError(overloaded).getTrailers().get(io.grpc.Metadata.Key.of(
        "retry-after-ms", io.grpc.Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("250");
    var tooLarge = new io.densemesh.runtime.error.PayloadTooLargeException("big");
    assertThat(code(tooLarge)).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(ErrorMapping.httpStatus(tooLarge)).isEqualTo(413);
  }
}
