package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageConfigsTest {

  @TempDir Path dir;

  @Test
  void readsAMountedSecretDirectoryOneFilePerKeySkippingDotEntries() throws Exception {
    Files.writeString(dir.resolve("localMinIO"), """
        {"type": "s3", "access_key_id": "AK", "secret_access_key": "SK",
         "endpoint_url": "http://minio:9000", "default_bucket": "modelmesh-example-models",
         "region": "us-south", "certificate": null}""");
    Files.writeString(dir.resolve("myPvc"), "{\"type\": \"pvc\", \"name\": \"claim\"}");
    Files.createDirectories(dir.resolve("..2026_11_28"));
    Files.writeString(dir.resolve(".hidden"), "not json");
    StorageConfigs configs = StorageConfigs.load(dir);
    assertThat(configs.keys()).containsExactly("localMinIO", "myPvc");
    StorageConfigEntry minio = configs.get("localMinIO").orElseThrow();
    assertThat(minio.type()).isEqualTo("s3");
    assertThat(minio.bucket()).isEqualTo("modelmesh-example-models");
    assertThat(minio.region()).isEqualTo("us-south");
    assertThat(minio.certificate()).isEmpty();
    assertThat(minio.anonymousAccess()).isFalse();
    assertThat(configs.get("myPvc").orElseThrow().pvcName()).isEqualTo("claim");
  }

  @Test
  void readsOneJsonFileOfObjectsOrJsonStrings() throws Exception {
    Path file = Files.writeString(dir.resolve("storage.json"), """
        {"a": {"type": "s3", "bucket": "b1", "default_bucket": "ignored", "anonymous": true},
         "b": "{\\"type\\": \\"s3\\", \\"access_key_id\\": \\"K\\"}"}""");
    StorageConfigs configs = StorageConfigs.load(file);
    assertThat(configs.get("a").orElseThrow().bucket()).isEqualTo("b1");
    assertThat(configs.get("a").orElseThrow().anonymousAccess()).isTrue();
    assertThat(configs.get("b").orElseThrow().accessKeyId()).isEqualTo("K");
  }

  @Test
  void neverPrintsTheSecretKey() {
    StorageConfigEntry entry = StorageConfigs.parse(Map.of("k",
        "{\"type\": \"s3\", \"secret_access_key\": \"TOP-SECRET\"}")).get("k").orElseThrow();
    assertThat(entry.toString()).doesNotContain("TOP-SECRET").contains("***");
  }

  @Test
  void malformedEntriesAreNamedInTheError() throws Exception {
    assertThatThrownBy(() -> StorageConfigs.parse(Map.of("broken", "{\"type\": ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'broken' is not valid JSON");
    assertThatThrownBy(() -> StorageConfigs.parse(Map.of("untyped", "{\"bucket\": \"b\"}")))
        .hasMessageContaining("'untyped' has no \"type\"");
    assertThatThrownBy(() -> StorageConfigs.parse(Map.of("list", "[1]")))
        .hasMessageContaining("'list' must be a JSON object");
    assertThatThrownBy(() -> StorageConfigs.load(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
    Path notAMap = Files.writeString(dir.resolve("x.json"), "[]");
    assertThatThrownBy(() -> StorageConfigs.load(notAMap))
        .hasMessageContaining("must be a JSON object mapping storage keys");
  }
}
