package io.densemesh.runtime.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.RuntimeStatus;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded ONNX Runtime (model type {@code onnx}).
 *
 * <p>DJL's OnnxRuntime engine is initialised first: it owns the native library and the process-wide
 * {@link OrtEnvironment} (touching the environment before DJL makes DJL fail later). Sessions are
 * then created directly, because DJL's NDArray path costs ~3x the latency of a plain session call
 * on small models and the hot path is what this runtime is for.
 *
 * <p>Size: ORT does not report a session's memory, so the load measures the process's resident-set
 * growth across session creation, bounded as {@link #measuredSize} explains. Creations run in
 * parallel (no lock); a creation whose window another creation shared cannot tell its growth
 * from the other's and takes the prediction ({@link #predictSize}) instead. Sessions run with the CPU arena off, so memory is returned when a model is unloaded,
 * and with a bounded number of intra-op threads, so many models share the cores fairly.
 *
 * <p>On a CUDA device ({@link ExecutionDevice}) sessions get the CUDA execution provider first
 * (ORT keeps the CPU provider for operators CUDA lacks). The caller checks with {@link GpuProbe}
 * at start-up that the device can be used. The model's GPU memory is measured the same way as
 * its host memory, as the device's used-memory growth across session creation read from
 * {@link NvidiaSmi} in the same window, and bounded (or predicted) the same way; it is reported by
 * {@link LoadedModel#gpuBytes()}.
 */
public final class OnnxModelRuntime implements ModelRuntime {

  public static final String TYPE = "onnx";

  private final OrtEnvironment env;
  private final int intraOpThreads;
  private final ExecutionDevice device;
  private final NvidiaSmi smi;
  /** Session creations running now, and started so far: whether a measurement was shared. */
  private final AtomicInteger creating = new AtomicInteger();
  private final AtomicLong creationsStarted = new AtomicLong();
  /** Runs inside each creation's measurement window (tests hold loads there to prove overlap). */
  volatile Runnable creationProbe = () -> {};

  /** @param intraOpThreads threads one inference may use (1 favours many concurrent models) */
  public OnnxModelRuntime(int intraOpThreads) {
    this(intraOpThreads, ExecutionDevice.CPU, NvidiaSmi.onPath());
  }

  /**
   * @param intraOpThreads threads one inference may use (1 favours many concurrent models)
   * @param device where sessions run; a CUDA device must have passed {@link GpuProbe}
   * @param smi reads the device's memory for the GPU size measurement
   */
  public OnnxModelRuntime(int intraOpThreads, ExecutionDevice device, NvidiaSmi smi) {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1");
    }
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("the embedded ONNX runtime needs a little-endian platform");
    }
    Engine.getEngine("OnnxRuntime");
    this.env = OrtEnvironment.getEnvironment();
    this.intraOpThreads = intraOpThreads;
    this.device = device;
    this.smi = smi;
  }

  public ExecutionDevice device() {
    return device;
  }

  @Override
  public boolean supports(String modelType) {
    return modelType != null && TYPE.equals(modelType.toLowerCase(Locale.ROOT));
  }

  @Override
  public RuntimeStatus status() {
    return new RuntimeStatus(
        "onnxruntime " + env.getVersion(),
        Set.of(TYPE),
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        1L << 20);
  }

  @Override
  public LoadedModel load(ModelSpec spec, Path artifact) {
    Path file = OnnxModelLocator.locate(artifact);
    long fileSize = fileSize(file);
    long started = System.nanoTime();
    OrtSession session;
    long gpuBytes = 0;
    long size;
    try (OrtSession.SessionOptions options = sessionOptions(intraOpThreads, device)) {
      // Loads run in parallel (up to the cache's loading slots). The size is the growth of the
      // process's memory across the creation, which only means this session when no other
      // creation shared the window; a shared window falls back to the prediction the cache
      // reserved before the load.
      boolean alone = creating.getAndIncrement() == 0;
      long startedBefore = creationsStarted.incrementAndGet();
      long before;
      long after;
      long gpuBefore;
      long gpuAfter;
      try {
        before = NativeMemoryProbe.residentBytes();
        gpuBefore = gpuUsed();
        creationProbe.run();
        session = env.createSession(file.toString(), options);
        gpuAfter = gpuUsed();
        after = NativeMemoryProbe.residentBytes();
      } finally {
        creating.decrementAndGet();
      }
      alone = alone && creationsStarted.get() == startedBefore;
      if (alone) {
        size = measuredSize(fileSize, before < 0 || after < 0 ? 0 : after - before);
        if (device.isCuda()) {
          gpuBytes = measuredSize(fileSize, gpuBefore < 0 || gpuAfter < 0 ? 0
              : gpuAfter - gpuBefore);
        }
      } else {
        size = predictedSize(fileSize);
        gpuBytes = device.isCuda() ? predictedSize(fileSize) : 0;
      }
    } catch (OrtException e) {
      throw new ModelLoadException(
          "ONNX Runtime could not load " + file.getFileName() + ": " + e.getMessage(), e);
    }
    try {
      ModelMetadata metadata = OnnxTypes.metadata(session);
      long loadMillis = (System.nanoTime() - started) / 1_000_000;
      return new OnnxLoadedModel(env, session, metadata, size, gpuBytes, loadMillis);
    } catch (OrtException | RuntimeException e) {
      closeQuietly(session);
      if (e instanceof ModelLoadException mle) {
        throw mle;
      }
      throw new ModelLoadException("cannot read metadata of " + file.getFileName() + ": " + e, e);
    }
  }

  /**
   * The resident-set growth is a real measurement but a noisy one: another thread's native
   * allocation (a Netty buffer, the allocator growing an arena) can land inside the window. A
   * session holds its weights plus graph structures, so the figure is kept within
   * [file size, 3 x file size + 2 MiB]; outside that range it is noise, not the model.
   */
  static long measuredSize(long fileSize, long grown) {
    return Math.max(fileSize, Math.min(grown, fileSize * 3 + (2L << 20)));
  }

  /** Device memory in use now, bytes; -1 on the CPU or when nvidia-smi does not answer. */
  private long gpuUsed() {
    return device.isCuda() ? smi.usedBytes(device.cudaIndex()).orElse(-1) : -1;
  }

  @Override
  public long predictSize(ModelSpec spec, Path artifact) {
    return predictedSize(fileSize(OnnxModelLocator.locate(artifact)));
  }

  /** Weights dominate; graph structures and kernels add a margin that is large for tiny models. */
  static long predictedSize(long fileSize) {
    return fileSize * 2 + (256L << 10);
  }

  /**
   * The session options of every DenseMesh ONNX session (the caller closes them); benchmarks
   * build their baselines with the same options, so both sides run ONNX Runtime alike.
   */
  public static OrtSession.SessionOptions sessionOptions(int intraOpThreads,
      ExecutionDevice device) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(intraOpThreads);
    options.setInterOpNumThreads(1);
    options.setCPUArenaAllocator(false);
    options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
    if (device.isCuda()) {
      try {
        options.addCUDA(device.cudaIndex());
      } catch (OrtException e) {
        options.close();
        throw e;
      }
    }
    return options;
  }

  private static long fileSize(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // The load already failed; the original error is what the caller needs.
    }
  }

  @Override
  public void close() {
    // The environment is process-wide and owned by DJL's engine; sessions are closed by their
    // models.
  }
}
