package io.densemesh.runtime.onnx.gen;

import io.densemesh.runtime.DataType;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ready-made small models. Each linear classifier's weights derive from a seed, so every tenant's
 * model answers differently and a request routed to the wrong model is caught by its values.
 */
public final class SampleModels {

  /** Input name of the linear classifier. */
  public static final String INPUT = "input";
  /** Raw scores output of the linear classifier. */
  public static final String LOGITS = "logits";
  /** Softmax output of the linear classifier. */
  public static final String PROBABILITIES = "probabilities";

  private SampleModels() {}

  /**
   * {@code logits = input · W + b}, {@code probabilities = softmax(logits)}; input FP32
   * {@code [-1, features]}, outputs FP32 {@code [-1, classes]}.
   */
  public static byte[] linearClassifier(long seed, int features, int classes) {
    float[] w = weights(seed, features, classes);
    float[] b = bias(seed, classes);
    return new OnnxModelBuilder("linear_" + seed)
        .input(INPUT, DataType.FP32, -1, features)
        .initializer("W", w, features, classes)
        .initializer("B", b, classes)
        .node("MatMul", List.of(INPUT, "W"), List.of("xw"))
        .node("Add", List.of("xw", "B"), List.of(LOGITS))
        .node("Softmax", List.of(LOGITS), List.of(PROBABILITIES), "axis", -1)
        .output(LOGITS, DataType.FP32, -1, classes)
        .output(PROBABILITIES, DataType.FP32, -1, classes)
        .build();
  }

  /**
   * A compute-heavy multi-layer perceptron: {@code layers} fully connected {@code width}-wide
   * layers with ReLU between them; input FP32 {@code [-1, width]} named {@link #INPUT}, output
   * FP32 {@code [-1, width]} named {@link #LOGITS}. Weights are small and seeded.
   */
  public static byte[] mlp(long seed, int width, int layers) {
    OnnxModelBuilder b = new OnnxModelBuilder("mlp_" + seed + "_" + width + "x" + layers)
        .input(INPUT, DataType.FP32, -1, width);
    SplittableRandom random = new SplittableRandom(seed);
    String x = INPUT;
    for (int l = 0; l < layers; l++) {
      float[] w = new float[width * width];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) ((random.nextDouble() * 2 - 1) / Math.sqrt(width));
      }
      float[] bias = new float[width];
      String last = l == layers - 1 ? LOGITS : "h" + l;
      b.initializer("W" + l, w, width, width).initializer("B" + l, bias, width)
          .node("MatMul", List.of(x, "W" + l), List.of("m" + l))
          .node("Add", List.of("m" + l, "B" + l), List.of(l == layers - 1 ? last : "a" + l));
      if (l < layers - 1) {
        b.node("Relu", List.of("a" + l), List.of(last));
      }
      x = last;
    }
    return b.output(LOGITS, DataType.FP32, -1, width).build();
  }

  /** The weight matrix (row-major, features x classes) the classifier of this seed uses. */
  public static float[] weights(long seed, int features, int classes) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] w = new float[features * classes];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return w;
  }

  /** The bias the classifier of this seed uses. */
  public static float[] bias(long seed, int classes) {
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    float[] b = new float[classes];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (random.nextDouble() - 0.5);
    }
    return b;
  }

  /** Reference logits computed in Java for one input row. */
  public static float[] expectedLogits(long seed, int features, int classes, float[] row) {
    float[] w = weights(seed, features, classes);
    float[] b = bias(seed, classes);
    float[] out = new float[classes];
    for (int c = 0; c < classes; c++) {
      double sum = b[c];
      for (int f = 0; f < features; f++) {
        sum += (double) row[f] * w[f * classes + c];
      }
      out[c] = (float) sum;
    }
    return out;
  }

  /** {@code y = Identity(x)} with x and y of the given type and shape {@code [-1, width]}. */
  public static byte[] identity(DataType type, int width) {
    return new OnnxModelBuilder("identity_" + type.name().toLowerCase())
        .input("x", type, -1, width)
        .node("Identity", List.of("x"), List.of("y"))
        .output("y", type, -1, width)
        .build();
  }
}
