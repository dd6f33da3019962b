package io.densemesh.cli;

import io.densemesh.runtime.onnx.gen.SampleModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code densemesh models}: sample models to try a node with, and registering them. */
@Command(name = "models", synopsisSubcommandLabel = "COMMAND",
    description = "Sample ONNX models and their registration.",
    subcommands = {ModelsCommand.Make.class, ModelRegistration.class})
public final class ModelsCommand {

  /** Features of each sample model's input ({@code input}, FP32 {@code [N, 4]}). */
  static final int FEATURES = 4;
  /** Classes of its outputs ({@code logits}, {@code probabilities}: FP32 {@code [N, 3]}). */
  static final int CLASSES = 3;

  /** {@code densemesh models make DIR}. */
  @Command(name = "make", sortOptions = false,
      description = {"Write sample ONNX models into DIR: linear classifiers named a.onnx,"
          + " b.onnx, ... (each its own weights), input 'input' FP32 [N,4], outputs 'logits'"
          + " and 'probabilities' FP32 [N,3]."})
  static final class Make implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory to write (created).")
    Path dir;
    @Option(names = "--count", defaultValue = "3", paramLabel = "N",
        description = "How many models (1..26).")
    int count;
    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
        description = "Seed of the first model's weights (the next ones count up).")
    long seed;

    @Override
    public Integer call() {
      if (count < 1 || count > 26) {
        throw new IllegalArgumentException("--count must be 1..26, got " + count);
      }
      PrintWriter out = spec.commandLine().getOut();
      try {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
          Path file = dir.resolve((char) ('a' + i) + ".onnx");
          Files.write(file, SampleModels.linearClassifier(seed + i, FEATURES, CLASSES));
          out.println(file.toAbsolutePath().normalize());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write models into " + dir + ": " + e, e);
      }
      out.flush();
      return 0;
    }
  }
}
