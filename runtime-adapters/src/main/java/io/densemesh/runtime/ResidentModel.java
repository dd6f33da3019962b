package io.densemesh.runtime;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The part every {@link LoadedModel} shares: what its load measured (metadata, host and GPU
 * bytes, load time), and a close that releases the model's resources exactly once however often
 * it is called (the cache and a runtime that lost the model may both close it). Subclasses run
 * the model and say what releasing means.
 */
public abstract class ResidentModel implements LoadedModel {

  private final ModelMetadata metadata;
  private final long sizeBytes;
  private final long gpuBytes;
  private final long loadMillis;
  private final AtomicBoolean closed = new AtomicBoolean();

  protected ResidentModel(ModelMetadata metadata, long sizeBytes, long gpuBytes,
      long loadMillis) {
    this.metadata = metadata;
    this.sizeBytes = sizeBytes;
    this.gpuBytes = gpuBytes;
    this.loadMillis = loadMillis;
  }

  @Override
  public final ModelMetadata metadata() {
    return metadata;
  }

  @Override
  public final long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public final long gpuBytes() {
    return gpuBytes;
  }

  @Override
  public final long loadMillis() {
    return loadMillis;
  }

  @Override
  public final void close() {
    if (closed.compareAndSet(false, true)) {
      release();
    }
  }

  /** Whether {@link #close()} was called. */
  protected final boolean closed() {
    return closed.get();
  }

  /** Frees what the loaded model holds; called once, by the first {@link #close()}. */
  protected abstract void release();
}
