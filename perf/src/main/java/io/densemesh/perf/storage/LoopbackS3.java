package io.densemesh.perf.storage;

import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/** An S3 API server (S3Proxy over jclouds' in-memory store) on 127.0.0.1, for the benchmark. */
final class LoopbackS3 implements AutoCloseable {

  private final BlobStoreContext context;
  private final BlobStore store;
  private final S3Proxy proxy;

  LoopbackS3(String accessKey, String secretKey) throws Exception {
    context = ContextBuilder.newBuilder("transient").credentials("unused", "unused")
        .overrides(new Properties()).build(BlobStoreContext.class);
    store = context.getBlobStore();
    proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
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

  String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  void createBucket(String bucket) {
    store.createContainerInLocation(null, bucket);
  }

  void put(String bucket, String key, byte[] bytes) {
    store.putBlob(bucket, store.blobBuilder(key).payload(bytes).contentLength(bytes.length)
        .build());
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
