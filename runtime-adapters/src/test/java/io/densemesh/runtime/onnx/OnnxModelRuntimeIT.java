package io.densemesh.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.onnx.gen.SampleModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The embedded runtime against real ONNX Runtime with generated models. */
class OnnxModelRuntimeIT {

  private static OnnxModelRuntime runtime;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    runtime = new OnnxModelRuntime(1);
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  private static Path write(String name, byte[] model) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, model);
    return file;
  }

  private static ByteBuffer floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.flip();
  }

  private static float[] toFloats(Tensor t) {
    ByteBuffer b = t.data();
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  @Test
  void linearClassifierAnswersWithItsOwnWeights() throws Exception {
    Path file = write("linear.onnx", SampleModels.linearClassifier(42, 4, 3));
    try (LoadedModel model = runtime.load(new ModelSpec("m", "ONNX", file.toString(), ""), file)) {
      assertThat(model.metadata().inputs())
          .containsExactly(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L)));
      assertThat(model.metadata().outputs()).extracting(TensorSpec::name)
          .containsExactly("logits", "probabilities");
      assertThat(model.sizeBytes()).isGreaterThanOrEqualTo(Files.size(file));

      float[] row = {0.5f, -1f, 2f, 0.25f};
      List<Tensor> out =
          model.infer(
              List.of(new Tensor("input", DataType.FP32, new long[] {1, 4}, floats(row))),
              new LinkedHashSet<>(List.of("logits")));

      assertThat(out).hasSize(1);
      assertThat(out.get(0).shape()).containsExactly(1, 3);
      float[] expected = SampleModels.expectedLogits(42, 4, 3, row);
      float[] actual = toFloats(out.get(0));
      for (int i = 0; i < 3; i++) {
        assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void directoryWithOneModelLoads() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("dirmodel"));
    Files.write(sub.resolve("anything.onnx"), SampleModels.linearClassifier(1, 4, 3));
    try (LoadedModel model = runtime.load(new ModelSpec("d", "onnx", sub.toString(), ""), sub)) {
      assertThat(model.metadata().outputs()).hasSize(2);
    }
  }

  @Test
  void brokenFileFailsWithReason() throws Exception {
    Path file = write("broken.onnx", new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> runtime.load(new ModelSpec("b", "onnx", "", ""), file))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("could not load");
    assertThatThrownBy(() -> runtime.load(new ModelSpec("b", "onnx", "", ""), dir.resolve("no")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("does not exist");
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"BOOL", "UINT8", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16"})
  void identityRoundTripsEveryFeedableType(DataType type) throws Exception {
    Path file = write("id-" + type + ".onnx", SampleModels.identity(type, 2));
    try (LoadedModel model = runtime.load(new ModelSpec("i", "onnx", "", ""), file)) {
      int bytes = 3 * 2 * type.elementSize();
      ByteBuffer data = ByteBuffer.allocate(bytes);
      for (int i = 0; i < bytes; i++) {
        data.put((byte) (type == DataType.BOOL ? i % 2 : i * 7 + 1));
      }
      data.flip();
      List<Tensor> out =
          model.infer(List.of(new Tensor("x", type, new long[] {3, 2}, data.duplicate())), Set.of());
      assertThat(out.get(0).dataType()).isEqualTo(type);
      assertThat(out.get(0).shape()).containsExactly(3, 2);
      assertThat(out.get(0).data()).isEqualTo(data);
    }
  }

  @Test
  void stringIdentityRoundTripsBytes() throws Exception {
    Path file = write("id-bytes.onnx", SampleModels.identity(DataType.BYTES, 2));
    try (LoadedModel model = runtime.load(new ModelSpec("s", "onnx", "", ""), file)) {
      ByteBuffer data = ByteBuffer.allocate(4 * 4 + 9).order(ByteOrder.LITTLE_ENDIAN);
      for (String s : new String[] {"héllo", "", "a", "bc"}) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        data.putInt(b.length).put(b);
      }
      data.flip();
      List<Tensor> out =
          model.infer(
              List.of(new Tensor("x", DataType.BYTES, new long[] {2, 2}, data.duplicate())),
              Set.of());
      assertThat(out.get(0).data()).isEqualTo(data);
    }
  }

  @Test
  void graphLevelRejectionIsInvalidInputAndTheModelKeepsWorking() throws Exception {
    Path file = write("linear2.onnx", SampleModels.linearClassifier(7, 4, 3));
    try (LoadedModel model = runtime.load(new ModelSpec("m", "onnx", "", ""), file)) {
      // Skips the validator on purpose: ORT itself must reject a wrong inner dimension cleanly.
      assertThatThrownBy(
              () ->
                  model.infer(
                      List.of(new Tensor("input", DataType.FP32, new long[] {1, 3},
                          floats(1, 2, 3))),
                      Set.of()))
          .isInstanceOf(InvalidInputException.class);
      List<Tensor> out =
          model.infer(
              List.of(new Tensor("input", DataType.FP32, new long[] {2, 4}, floats(new float[8]))),
              Set.of());
      assertThat(out).hasSize(2);
    }
  }

  @Test
  void loadsCreateTheirSessionsInParallelAndASharedWindowTakesThePrediction() throws Exception {
    // Regression: one lock around every session creation serialised all loads, whatever
    // --loading-slots said. Each load waits inside its creation window until all four are in
    // theirs, which only parallel creations can reach.
    int n = 4;
    CountDownLatch inside = new CountDownLatch(n);
    AtomicInteger waitedOut = new AtomicInteger();
    OnnxModelRuntime parallel = new OnnxModelRuntime(1);
    parallel.creationProbe = () -> {
      inside.countDown();
      try {
        if (!inside.await(20, TimeUnit.SECONDS)) {
          waitedOut.incrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      Map<Path, Future<LoadedModel>> loads = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        Path file = write("parallel-" + i + ".onnx", SampleModels.linearClassifier(i, 8, 4));
        loads.put(file, pool.submit(() -> parallel.load(
            new ModelSpec(file.getFileName().toString(), "onnx", file.toString(), ""), file)));
      }
      for (Map.Entry<Path, Future<LoadedModel>> load : loads.entrySet()) {
        try (LoadedModel model = load.getValue().get()) {
          assertThat(model.sizeBytes()).as("a shared window cannot be measured")
              .isEqualTo(OnnxModelRuntime.predictedSize(Files.size(load.getKey())));
        }
      }
      assertThat(waitedOut.get()).as("every creation was inside its window at once").isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
