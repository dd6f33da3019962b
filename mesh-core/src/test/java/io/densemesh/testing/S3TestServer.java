package io.densemesh.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server in-process on loopback: S3Proxy (Jetty + the S3 REST protocol with AWS
 * V2/V4 signature checks) over jclouds' in-memory blob store. Every call the server makes into
 * the blob store is counted, so a test can prove that a load sent no request to the store.
 */
public final class S3TestServer implements AutoCloseable {

  /** Blob store calls that are not requests for data (bookkeeping during setup and shutdown). */
  private static final Set<String> NOT_COUNTED = Set.of("getContext", "toString", "hashCode",
      "equals");

  private final BlobStoreContext context;
  private final BlobStore store;
  private final S3Proxy proxy;
  private final AtomicLong requests = new AtomicLong();

  public S3TestServer(String accessKey, String secretKey) throws Exception {
    context = ContextBuilder.newBuilder("transient").credentials("unused", "unused")
        .overrides(new Properties()).build(BlobStoreContext.class);
    store = context.getBlobStore();
    BlobStore counted = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(),
        new Class<?>[] {BlobStore.class}, counting(store));
    proxy = S3Proxy.builder().blobStore(counted).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
    proxy.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.onSpinWait();
    }
  }

  private InvocationHandler counting(BlobStore target) {
    return (p, method, args) -> {
      if (!NOT_COUNTED.contains(method.getName())) {
        requests.incrementAndGet();
      }
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  /** Creates a bucket directly in the blob store (not counted as a request). */
  public void createBucket(String bucket) {
    store.createContainerInLocation(null, bucket);
  }

  /** Stores an object directly in the blob store (not counted as a request). */
  public void put(String bucket, String key, byte[] bytes) {
    store.putBlob(bucket, store.blobBuilder(key).payload(bytes).contentLength(bytes.length)
        .build());
  }

  /** Blob store calls the S3 server made for clients so far. */
  public long requests() {
    return requests.get();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
