package io.densemesh.rest;

import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request body as it arrived, in the chunks the server read (never copied into one array), read
 * as a stream by the JSON codec. Closing it gives its bytes back to the body budget (once).
 */
final class RequestBody extends InputStream {

  private final List<Buffer> chunks;
  private final long length;
  private final Runnable release;
  private final AtomicBoolean open = new AtomicBoolean(true);
  private int chunk;
  private int offset;

  RequestBody(List<Buffer> chunks, long length, Runnable release) {
    this.chunks = List.copyOf(chunks);
    this.length = length;
    this.release = release;
  }

  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      release.run();
    }
  }

  long length() {
    return length;
  }

  /** The first {@code n} bytes as a stream (a view: reading it reads this body). */
  InputStream head(long n) {
    RequestBody body = this;
    return new InputStream() {
      private long left = n;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] into, int at, int len) {
        if (left == 0) {
          return -1;
        }
        int got = body.read(into, at, (int) Math.min(len, left));
        if (got > 0) {
          left -= got;
        }
        return got;
      }
    };
  }

  /**
   * The bytes from {@code offset} to the end in one buffer (one copy: the binary part of a
   * body, which the tensors then view without further copies).
   */
  ByteBuffer from(long offset) {
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(length - offset));
    long start = 0;
    for (Buffer c : chunks) {
      long end = start + c.length();
      if (end > offset) {
        out.put(c.getBytes((int) Math.max(0, offset - start), c.length()));
      }
      start = end;
    }
    return out.flip();
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] into, int at, int len) {
    while (chunk < chunks.size() && offset == chunks.get(chunk).length()) {
      chunk++;
      offset = 0;
    }
    if (chunk == chunks.size()) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    Buffer current = chunks.get(chunk);
    int n = Math.min(len, current.length() - offset);
    current.getBytes(offset, offset + n, into, at);
    offset += n;
    return n;
  }
}
