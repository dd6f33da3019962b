package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocationResolverTest {

  private static final Path PVC_ROOT = Path.of("/mnt/pvcs");

  private final StorageConfigs configs = StorageConfigs.parse(Map.of(
      "minio", """
          {"type": "s3", "access_key_id": "AK", "secret_access_key": "SK",
           "endpoint_url": "http://127.0.0.1:9000", "region": "eu-1", "default_bucket": "models"}""",
      "default", """
          {"type": "s3", "access_key_id": "DEF", "secret_access_key": "x", "bucket": "shared"}""",
      "claims", """
          {"type": "pvc", "name": "team-a"}""",
      "gcs", """
          {"type": "gcs", "private_key": "k"}"""));
  private final LocationResolver resolver = new LocationResolver(configs, PVC_ROOT);

  private ArtifactLocation resolve(String path, String key) {
    return resolver.resolve(new ModelSpec("m", "onnx", path, key));
  }

  @Test
  void plainPathsAndFileUrisAreLocal() {
    assertThat(resolve("/models/a.onnx", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/models/a.onnx")));
    assertThat(resolve("/models/x/../a.onnx", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/models/a.onnx")));
    assertThat(resolve("file:///models/a.onnx", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/models/a.onnx")));
    assertThat(resolve("rel/a.onnx", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("rel/a.onnx").toAbsolutePath()));
  }

  @Test
  void pvcUrisMapUnderTheMountRootAndNeverLeaveTheirClaim() {
    assertThat(resolve("pvc://claim-1/dir/model.onnx", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/mnt/pvcs/claim-1/dir/model.onnx")));
    assertThat(resolve("pvc://claim-1", "")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/mnt/pvcs/claim-1")));
    assertThatThrownBy(() -> resolve("pvc://claim-1/../claim-2/m.onnx", ""))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("outside its PVC");
    assertThatThrownBy(() -> resolve("pvc:///m.onnx", ""))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("names no PVC");
  }

  @Test
  void httpUrlsAreRemote() {
    assertThat(resolve("https://host:8443/models/a.onnx?v=1", "")).isEqualTo(
        new ArtifactLocation.Http(URI.create("https://host:8443/models/a.onnx?v=1")));
    assertThatThrownBy(() -> resolve("http:///a.onnx", ""))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("has no host");
  }

  @Test
  void s3UriTakesItsBucketAndTheNamedKeysCredentials() {
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) resolve("s3://bucket-1/dir/m.onnx", "minio");
    assertThat(s3.bucket()).isEqualTo("bucket-1");
    assertThat(s3.objectPath()).isEqualTo("dir/m.onnx");
    assertThat(s3.access().accessKeyId()).isEqualTo("AK");
    assertThat(s3.access().endpointUrl()).isEqualTo("http://127.0.0.1:9000");
    assertThat(s3.display()).isEqualTo("s3://bucket-1/dir/m.onnx");
  }

  @Test
  void s3UriWithoutAKeyUsesTheDefaultEntry() {
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) resolve("s3://b/m.onnx", "");
    assertThat(s3.access().key()).isEqualTo("default");
    assertThat(s3.access().accessKeyId()).isEqualTo("DEF");
  }

  @Test
  void s3UriWithNoDefaultEntryIsAnonymous() {
    LocationResolver bare = new LocationResolver(StorageConfigs.empty(), PVC_ROOT);
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) bare.resolve(
        new ModelSpec("m", "onnx", "s3://b/m.onnx", ""));
    assertThat(s3.access().anonymousAccess()).isTrue();
    assertThat(s3.access().type()).isEqualTo("s3");
  }

  @Test
  void plainPathWithAnS3KeyIsAnObjectInTheKeysBucket() {
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) resolve("/onnx/mnist", "minio");
    assertThat(s3.bucket()).isEqualTo("models"); // default_bucket
    assertThat(s3.objectPath()).isEqualTo("onnx/mnist");
  }

  @Test
  void modelmeshJsonKeyNamesTheEntryAndOverridesTheBucket() {
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) resolve("onnx/mnist",
        "{\"storage_key\": \"minio\", \"storage_params\": {\"bucket\": \"other\"}, "
            + "\"disk_size_bytes\": 12}");
    assertThat(s3.bucket()).isEqualTo("other");
    assertThat(s3.access().accessKeyId()).isEqualTo("AK");

    ArtifactLocation.S3 legacy = (ArtifactLocation.S3) resolve("onnx/mnist",
        "{\"storage_key\": \"minio\", \"bucket\": \"legacy\"}");
    assertThat(legacy.bucket()).isEqualTo("legacy");
  }

  @Test
  void storageParamsCannotRedirectAnEntrysCredentials() {
    for (String field : new String[] {"endpoint_url", "access_key_id", "secret_access_key",
        "region", "certificate", "anonymous", "name"}) {
      assertThatThrownBy(() -> resolve("onnx/mnist", "{\"storage_key\": \"minio\", "
          + "\"storage_params\": {\"" + field + "\": \"http://169.254.169.254\"}}"))
          .as(field).isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("storage_params may set only [bucket, type]; '" + field
              + "' belongs to the storage-config entry");
    }
    assertThatThrownBy(() -> resolve("s3://b/x", "{\"storage_params\": "
        + "{\"endpoint_url\": \"http://127.0.0.1:1\"}}"))
        .as("not for anonymous access either").isInstanceOf(ModelLoadException.class);
  }

  @Test
  void jsonKeyWithoutStorageKeyFallsBackToTheDefaultEntry() {
    ArtifactLocation.S3 s3 = (ArtifactLocation.S3) resolve("onnx/mnist",
        "{\"storage_params\": {\"type\": \"s3\"}}");
    assertThat(s3.bucket()).isEqualTo("shared");
    assertThat(s3.access().key()).isEqualTo("default");
  }

  @Test
  void pvcEntryMapsAPlainPathIntoItsClaim() {
    assertThat(resolve("dir/m.onnx", "claims")).isEqualTo(
        new ArtifactLocation.Local(Path.of("/mnt/pvcs/team-a/dir/m.onnx")));
  }

  @Test
  void badInputGetsAClearReason() {
    assertThatThrownBy(() -> resolve("", "")).hasMessageContaining("model path is empty");
    assertThatThrownBy(() -> resolve("s3://b/m", "nope"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("storage key 'nope' is not in the storage config")
        .hasMessageContaining("minio");
    assertThatThrownBy(() -> resolve("gs://b/m.onnx", ""))
        .hasMessageContaining("storage scheme 'gs'").hasMessageContaining("not supported");
    assertThatThrownBy(() -> resolve("s3:///m.onnx", "minio")).hasMessageContaining("no bucket");
    assertThatThrownBy(() -> resolve("m.onnx", "gcs"))
        .hasMessageContaining("storage type 'gcs'");
    assertThatThrownBy(() -> resolve("s3://b/m.onnx", "claims"))
        .hasMessageContaining("of type 'pvc'");
    assertThatThrownBy(() -> resolve("m.onnx", "{\"storage_key\": "))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> new LocationResolver(StorageConfigs.empty(), PVC_ROOT)
        .resolve(new ModelSpec("m", "onnx", "s3://b/m", "k")))
        .hasMessageContaining("no --storage-config");
  }
}
