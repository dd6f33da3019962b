package io.densemesh.node;

import static io.densemesh.node.NodeIT.F;
import static io.densemesh.node.NodeIT.C;
import static io.densemesh.node.NodeIT.assertLogits;
import static io.densemesh.node.NodeIT.rawRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.S3TestServer;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads ONNX models from a real S3 API server on loopback (S3Proxy) through a real node, with
 * credentials from a mounted storage-config directory (one file per key).
 */
class S3StorageIT {

  private static final String ACCESS = "AKIA-DENSEMESH-TEST";
  private static final String SECRET = "s3cr3t-for-the-test-only";
  private static final float[] ROW = {0.5f, -1f, 2f, 0.25f};

  @TempDir static Path dir;
  static S3TestServer s3;
  static Path storageConfig;

  @BeforeAll
  static void start() throws Exception {
    s3 = new S3TestServer(ACCESS, SECRET);
    s3.createBucket("models");
    s3.createBucket("other");
    s3.put("models", "linear/m.onnx", SampleModels.linearClassifier(11, F, C));
    s3.put("other", "m12.onnx", SampleModels.linearClassifier(12, F, C));
    // A model directory: several objects under one prefix.
    s3.put("models", "tenants/t13/model.onnx", SampleModels.linearClassifier(13, F, C));
    s3.put("models", "tenants/t13/config/labels.txt", "a\nb\nc\n".getBytes());
    storageConfig = Files.createDirectories(dir.resolve("storage-config"));
    Files.writeString(storageConfig.resolve("localS3"), entry(SECRET));
    Files.writeString(storageConfig.resolve("wrongSecret"), entry("not-the-secret"));
  }

  private static String entry(String secret) {
    return "{\"type\": \"s3\", \"access_key_id\": \"" + ACCESS + "\", \"secret_access_key\": \""
        + secret + "\", \"endpoint_url\": \"" + s3.endpoint() + "\", \"region\": \"us-east-1\", "
        + "\"default_bucket\": \"models\"}";
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  private TestNode node(String name) {
    return new TestNode(dir.resolve(name), "--storage-config", storageConfig.toString());
  }

  @Test
  void loadsFromAnS3UriAPathInTheDefaultBucketAndAPrefixDirectory() {
    try (TestNode node = node("uri")) {
      node.register("by-uri", "s3://other/m12.onnx", "localS3");
      assertLogits(node.inference.modelInfer(rawRequest("by-uri", ROW)), 12, ROW);

      node.register("in-bucket", "linear/m.onnx", "{\"storage_key\": \"localS3\"}");
      assertLogits(node.inference.modelInfer(rawRequest("in-bucket", ROW)), 11, ROW);

      node.register("directory", "tenants/t13", "localS3");
      assertLogits(node.inference.modelInfer(rawRequest("directory", ROW)), 13, ROW);

      String metrics = node.scrapeMetrics();
      assertThat(metrics).contains("densemesh_artifact_cache_misses_total 3.0");
      assertThat(metrics).contains("densemesh_artifact_downloads_total{result=\"success\"} 3.0");
    }
  }

  @Test
  void wrongCredentialsAreAClearFailedPrecondition() {
    try (TestNode node = node("creds")) {
      node.register("bad-creds", "s3://models/linear/m.onnx", "wrongSecret");
      assertThatThrownBy(() -> node.inference.modelInfer(rawRequest("bad-creds", ROW)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription())
                .contains("refused storage key 'wrongSecret'")
                .contains("SignatureDoesNotMatch")
                .contains("check the credentials")
                .doesNotContain("not-the-secret");
          });
      assertThat(node.node.cache().isLoaded("bad-creds")).isFalse();
    }
  }

  @Test
  void missingObjectsAndUnknownKeysAreClearFailedPreconditions() {
    try (TestNode node = node("missing")) {
      node.register("no-object", "s3://models/nope/m.onnx", "localS3");
      assertThatThrownBy(() -> node.inference.modelInfer(rawRequest("no-object", ROW)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription())
                .contains("s3://models/nope/m.onnx does not exist");
          });
      node.register("no-key", "s3://models/linear/m.onnx", "someOtherKey");
      assertThatThrownBy(() -> node.inference.modelInfer(rawRequest("no-key", ROW)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription())
                .contains("storage key 'someOtherKey' is not in the storage config");
          });
    }
  }

  @Test
  void reloadAfterUnloadAndAfterARestartComesFromTheDiskCacheWithNoRequestToTheStore() {
    Path data = dir.resolve("reload");
    try (TestNode node = new TestNode(data, "--storage-config", storageConfig.toString())) {
      node.register("cached", "s3://models/linear/m.onnx", "localS3");
      assertLogits(node.inference.modelInfer(rawRequest("cached", ROW)), 11, ROW);
      long afterFirstLoad = s3.requests();
      assertThat(afterFirstLoad).isPositive();

      node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("cached").build());
      assertThat(node.node.cache().isLoaded("cached")).isFalse();
      node.register("cached", "s3://models/linear/m.onnx", "localS3");
      assertLogits(node.inference.modelInfer(rawRequest("cached", ROW)), 11, ROW);
      assertThat(s3.requests()).isEqualTo(afterFirstLoad);
      String metrics = node.scrapeMetrics();
      assertThat(metrics).contains("densemesh_artifact_cache_hits_total 1.0");
      assertThat(metrics).contains("densemesh_artifact_cache_misses_total 1.0");
    }
    long beforeRestart = s3.requests();
    try (TestNode node = new TestNode(data, "--storage-config", storageConfig.toString())) {
      assertLogits(node.inference.modelInfer(rawRequest("cached", ROW)), 11, ROW);
      assertThat(s3.requests()).isEqualTo(beforeRestart);
    }
  }
}
