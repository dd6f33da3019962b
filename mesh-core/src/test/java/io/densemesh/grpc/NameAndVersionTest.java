package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.runtime.error.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Reading a V2 request's model name and version without parsing the tensors. */
class NameAndVersionTest {

  @Test
  void readsNameAndVersionWhateverTheFieldOrder() {
    byte[] body = ModelInferRequest.newBuilder().setId("req-1").setModelVersion("2")
        .setModelName("m").build().toByteArray();

    InferenceRouting.NameAndVersion named = InferenceRouting.NameAndVersion.peek(body);

    assertThat(named.name()).isEqualTo("m");
    assertThat(named.version()).isEqualTo("2");
  }

  @Test
  void anEmptyBodyHasNoName() {
    assertThat(InferenceRouting.NameAndVersion.peek(new byte[0]).name()).isEmpty();
  }

  @Test
  void aTruncatedBodyIsInvalidInput() {
    byte[] truncated = {0x0a, 0x7f, 'm'}; // field 1, length 127, one byte present

    assertThatThrownBy(() -> InferenceRouting.NameAndVersion.peek(truncated))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("malformed");
  }

  /** Regression: the peek took the first of two names, the parser the last (RequestPeekFuzzTest). */
  @Test
  void aNameGivenTwiceIsTheLastOneAsForTheParser() {
    byte[] first = ModelInferRequest.newBuilder().setModelName("first").build().toByteArray();
    byte[] second = ModelInferRequest.newBuilder().setModelName("second").build().toByteArray();
    byte[] body = new byte[first.length + second.length];
    System.arraycopy(first, 0, body, 0, first.length);
    System.arraycopy(second, 0, body, first.length, second.length);

    assertThat(InferenceRouting.NameAndVersion.peek(body).name()).isEqualTo("second");
  }
}
