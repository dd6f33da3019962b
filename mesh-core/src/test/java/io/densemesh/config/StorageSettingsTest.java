package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StorageSettingsTest {

  @Test
  void defaultsPutTheArtifactCacheUnderTheDataDir() {
    StorageSettings s = NodeOptions.parse(List.of("--data-dir", "/var/dm"), Map.of()).storage();
    assertThat(s.storageConfig()).isEmpty();
    assertThat(s.pvcRoot()).isEqualTo(Path.of("/pvc_mounts"));
    assertThat(s.artifactCacheDir()).isEqualTo(Path.of("/var/dm/artifacts"));
    assertThat(s.artifactCacheBytes()).isEqualTo(10L << 30);
    assertThat(s.maxArtifactBytes()).isEqualTo(4L << 30);
    assertThat(s.downloadTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void flagsWinOverEnvironment() {
    StorageSettings s = NodeOptions.parse(
        List.of("--storage-config", "/storage-config", "--artifact-cache-size", "2g"),
        Map.of("DM_ARTIFACT_CACHE_SIZE", "5g", "DM_ARTIFACT_CACHE_DIR", "/cache",
            "DM_PVC_ROOT", "/mnt/pvc", "DM_DOWNLOAD_TIMEOUT", "90s",
            "DM_MAX_ARTIFACT_SIZE", "1g")).storage();
    assertThat(s.storageConfig()).isEqualTo(Optional.of(Path.of("/storage-config")));
    assertThat(s.artifactCacheBytes()).isEqualTo(2L << 30);
    assertThat(s.artifactCacheDir()).isEqualTo(Path.of("/cache"));
    assertThat(s.pvcRoot()).isEqualTo(Path.of("/mnt/pvc"));
    assertThat(s.downloadTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.maxArtifactBytes()).isEqualTo(1L << 30);
  }

  @Test
  void badValuesNameTheirOption() {
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--artifact-cache-size", "10k"),
        Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--artifact-cache-size must be at least 1m");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--max-artifact-size", "20g"), Map.of()))
        .hasMessageContaining("--max-artifact-size (20.0 GiB) must not exceed "
            + "--artifact-cache-size (10.0 GiB)");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--download-timeout", "0s"), Map.of()))
        .hasMessageContaining("--download-timeout must be > 0");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--download-timeout", "later"),
        Map.of())).hasMessageContaining("'--download-timeout': 'later' is not a duration");
  }
}
