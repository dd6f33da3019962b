package io.densemesh.node;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's bounded thread pools (in place of grpc-java's default unbounded cached pool): a
 * fixed number of daemon threads and a bounded queue of tasks waiting for them. A task beyond
 * the queue is rejected; callers treat that as overload. Threads never grow with load, and the
 * queue only holds short tasks: requests admitted past the node's in-flight limit, answers to
 * send, refusals to write.
 */
final class GrpcExecutors {

  private GrpcExecutors() {}

  static ExecutorService bounded(String name, int threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queue), r -> {
          Thread t = new Thread(r, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
