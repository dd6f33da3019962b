package io.densemesh.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The input validator on arbitrary model signatures and tensors: it accepts or refuses with
 * {@link InvalidInputException}, nothing else; whatever it accepts has exactly the data its shape
 * needs, so a runtime never reads past a buffer. Corpus: InputValidatorFuzzTestInputs.
 */
class InputValidatorFuzzTest {

  private static final String[] NAMES = {"x", "y", "ids", ""};
  private static final DataType[] TYPES = DataType.values();
  private static final long MAX_ELEMENTS = 1 << 16;

  @FuzzTest(maxDuration = "30s")
  void acceptsOnlyTensorsWhoseDataFitsTheirShape(FuzzedDataProvider data) {
    List<TensorSpec> specs = new ArrayList<>();
    int inputs = data.consumeInt(0, 3);
    for (int i = 0; i < inputs; i++) {
      List<Long> shape = new ArrayList<>();
      int rank = data.consumeInt(0, 3);
      for (int d = 0; d < rank; d++) {
        shape.add((long) data.consumeInt(-1, 8));
      }
      specs.add(new TensorSpec(data.pickValue(NAMES), data.pickValue(TYPES), shape));
    }
    ModelMetadata metadata = new ModelMetadata("onnx", specs,
        List.of(new TensorSpec("out", DataType.FP32, List.of(-1L))));
    List<Tensor> tensors = new ArrayList<>();
    int given = data.consumeInt(0, 3);
    for (int i = 0; i < given; i++) {
      long[] shape = new long[data.consumeInt(0, 4)];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = data.consumeBoolean() ? data.consumeLong() : data.consumeInt(-1, 16);
      }
      tensors.add(new Tensor(data.pickValue(NAMES), data.pickValue(TYPES), shape,
          ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 512)))));
    }
    Set<String> outputs = data.consumeBoolean() ? Set.of() : Set.of(data.consumeString(8));

    try {
      new InputValidator(MAX_ELEMENTS).validate(metadata, tensors, outputs);
    } catch (InvalidInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    for (Tensor t : tensors) {
      long count = Tensor.elementCount(t.shape());
      assertThat(count).isLessThanOrEqualTo(MAX_ELEMENTS);
      if (t.dataType().fixedSize()) {
        assertThat((long) t.data().remaining()).isEqualTo(count * t.dataType().elementSize());
      } else {
        assertThat(InputValidator.countByteElements(t.name(), t.data())).isEqualTo(count);
      }
    }
  }
}
