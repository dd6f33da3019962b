package io.densemesh.batching;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching on a real node with ONNX Runtime: many concurrent clients with requests of
 * 1..3 rows; every answer must equal the model's reference for that request's own rows.
 */
class BatchingIT {

  static final long SEED = 5;

  @TempDir Path dir;

  static ModelInferRequest request(String model, float[][] rows) {
    ByteBuffer raw = ByteBuffer.allocate(rows.length * Inference.FEATURES * 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float v : row) {
        raw.putFloat(v);
      }
    }
    raw.flip();
    return ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SampleModels.INPUT)
            .setDatatype("FP32").addShape(rows.length).addShape(Inference.FEATURES))
        .addRawInputContents(ByteString.copyFrom(raw)).build();
  }

  static boolean matches(ModelInferResponse response, float[][] rows) {
    float[] logits = Inference.logits(response);
    if (logits.length != rows.length * Inference.CLASSES) {
      return false;
    }
    for (int r = 0; r < rows.length; r++) {
      float[] expected = SampleModels.expectedLogits(SEED, Inference.FEATURES,
          Inference.CLASSES, rows[r]);
      for (int c = 0; c < expected.length; c++) {
        if (Math.abs(logits[r * Inference.CLASSES + c] - expected[c]) > 1e-4f) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void concurrentRequestsAreBatchedAndEachGetsTheAnswerForItsOwnRows() throws Exception {
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      node.register("batched", Inference.writeModel(dir.resolve("models"), SEED).toString(),
          "{\"batching\":{\"max_batch_size\":16,\"max_queue_delay_us\":2000}}");
      ExecutorService clients = Executors.newFixedThreadPool(16);
      try {
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
          long seed = c;
          answers.add(clients.submit(() -> {
            SplittableRandom random = new SplittableRandom(seed);
            boolean allRight = true;
            for (int i = 0; i < 150; i++) {
              float[][] rows = new float[1 + random.nextInt(3)][Inference.FEATURES];
              for (float[] row : rows) {
                for (int f = 0; f < row.length; f++) {
                  row[f] = (float) (random.nextDouble() * 4 - 2);
                }
              }
              ModelInferResponse r = node.inference.withDeadlineAfter(30, TimeUnit.SECONDS)
                  .modelInfer(request("batched", rows));
              allRight &= matches(r, rows);
            }
            return allRight;
          }));
        }
        for (Future<Boolean> f : answers) {
          assertThat(f.get(120, TimeUnit.SECONDS)).as("every answer right").isTrue();
        }
      } finally {
        clients.shutdownNow();
      }
      String metrics = node.scrapeMetrics();
      Matcher max = Pattern.compile("densemesh_batch_requests_max ([0-9.]+)").matcher(metrics);
      assertThat(max.find()).as(metrics).isTrue();
      assertThat(Double.parseDouble(max.group(1))).as("largest batch").isGreaterThan(1);
    }
  }
}
