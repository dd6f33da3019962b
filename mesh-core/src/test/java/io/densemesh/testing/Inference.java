package io.densemesh.testing;

import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.runtime.onnx.gen.SampleModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sample linear classifiers (4 features, 3 classes) and V2 requests for them. */
public final class Inference {

  public static final int FEATURES = 4;
  public static final int CLASSES = 3;

  private Inference() {}

  /** Writes the classifier with weights from {@code seed} into {@code dir}. */
  public static Path writeModel(Path dir, long seed) {
    try {
      Files.createDirectories(dir);
      return Files.write(dir.resolve("model-" + seed + ".onnx"),
          SampleModels.linearClassifier(seed, FEATURES, CLASSES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ModelInferRequest request(String model, float[] row) {
    ByteBuffer raw = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      raw.putFloat(v);
    }
    raw.flip();
    return ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SampleModels.INPUT)
            .setDatatype("FP32").addShape(1).addShape(row.length))
        .addRawInputContents(com.google.protobuf.ByteString.copyFrom(raw))
        .build();
  }

  /** The logits a response carries. */
  public static float[] logits(ModelInferResponse response) {
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals(SampleModels.LOGITS)) {
        ByteBuffer b = response.getRawOutputContents(i).asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int k = 0; k < out.length; k++) {
          out[k] = b.getFloat();
        }
        return out;
      }
    }
    throw new AssertionError("no logits in " + response.getOutputsList());
  }

  /** Whether {@code response} is what the model with {@code seed} computes for {@code row}. */
  public static boolean answeredBy(ModelInferResponse response, long seed, float[] row) {
    float[] expected = SampleModels.expectedLogits(seed, FEATURES, CLASSES, row);
    float[] actual = logits(response);
    if (actual.length != expected.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (Math.abs(actual[i] - expected[i]) > 1e-4f) {
        return false;
      }
    }
    return true;
  }

  /** The row used for model {@code seed}: distinct per model, so answers identify the model. */
  public static float[] row(long seed) {
    return new float[] {1f, (float) (seed % 7) - 3f, 0.5f, -2f};
  }
}
