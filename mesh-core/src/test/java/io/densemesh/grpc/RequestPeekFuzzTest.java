package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.runtime.error.InvalidInputException;

/**
 * The byte peek that routes a forwarded request by its model name without parsing it: on any
 * bytes it answers or refuses with {@link InvalidInputException}; on every message protobuf
 * parses, it reads the same name and version as the parser (so the node that routes and the node
 * that serves agree on the model). Corpus: RequestPeekFuzzTestInputs.
 */
class RequestPeekFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void peekAgreesWithTheParser(byte[] body) {
    InferenceRouting.NameAndVersion peeked;
    try {
      peeked = InferenceRouting.NameAndVersion.peek(body);
    } catch (InvalidInputException refused) {
      peeked = null;
    }
    ModelInferRequest parsed;
    try {
      parsed = ModelInferRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      return; // not a request: the peek may answer or refuse
    }
    assertThat(peeked).as("the peek refused a message the parser accepts").isNotNull();
    assertThat(peeked.name()).isEqualTo(parsed.getModelName());
    assertThat(peeked.version()).isEqualTo(parsed.getModelVersion());
  }
}
