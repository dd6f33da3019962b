package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.ModelLoadException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local sources stay inside the model roots; http(s) sources pass the allow-list. */
class SourcePolicyTest {

  @TempDir Path dir;
  Path root;
  Path outside;
  SourcePolicy policy;

  @BeforeEach
  void roots() throws Exception {
    root = Files.createDirectories(dir.resolve("models"));
    outside = Files.createDirectories(dir.resolve("private"));
    policy = new SourcePolicy(List.of(root), new HostAllowList(List.of("127.0.0.1")));
  }

  @Test
  void aFileUnderARootIsUsedByItsRealPath() throws Exception {
    Path model = Files.writeString(root.resolve("m.onnx"), "x");
    assertThat(policy.checkLocal(model, model.toString())).isEqualTo(model.toRealPath());
    Path tree = Files.createDirectories(root.resolve("tree/1"));
    Files.writeString(tree.resolve("model.onnx"), "x");
    assertThat(policy.checkLocal(root.resolve("tree"), "tree")).isDirectory();
  }

  @Test
  void outsideTheRootsTheMessageIsTheSameWhetherThePathExistsOrNot() throws Exception {
    Path secret = Files.writeString(outside.resolve("secret"), "x");
    String exists = message(secret);
    String missing = message(outside.resolve("nothing-here"));
    assertThat(exists).contains("is not under an allowed model root");
    assertThat(exists.replace(secret.toString(), "P"))
        .isEqualTo(missing.replace(outside.resolve("nothing-here").toString(), "P"));
    assertThat(message(Path.of("/etc/passwd"))).doesNotContain("exist");
  }

  @Test
  void dotDotIsRefusedEvenWhenItStaysInside() {
    assertThatThrownBy(() -> policy.checkLocal(root.resolve("a/../m.onnx"),
        root + "/a/../m.onnx"))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("must not contain '..'");
  }

  @Test
  void symlinksOutOfARootAreRefusedAsOutside() throws Exception {
    Files.writeString(outside.resolve("secret"), "x");
    Path link = Files.createSymbolicLink(root.resolve("link.onnx"), outside.resolve("secret"));
    assertThat(message(link)).contains("is not under an allowed model root");
    Path device = Files.createSymbolicLink(root.resolve("null.onnx"), Path.of("/dev/null"));
    assertThat(message(device)).contains("is not under an allowed model root");
    Path dirWithLink = Files.createDirectories(root.resolve("modeldir"));
    Files.createSymbolicLink(dirWithLink.resolve("weights"), outside.resolve("secret"));
    assertThat(message(dirWithLink)).contains("is not under an allowed model root");
  }

  @Test
  void pipesAndOtherSpecialFilesAreRefused() throws Exception {
    Path fifo = root.resolve("pipe.onnx");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    assertThat(message(fifo)).contains("not made of regular files and directories");
  }

  @Test
  void aMissingFileInsideARootSaysSo() {
    assertThat(message(root.resolve("absent.onnx"))).contains("does not exist");
  }

  @Test
  void urlsMustNameAnAllowedHostAndAnAllowedAddress() {
    policy.checkUrl(URI.create("http://127.0.0.1:1/m.onnx"));
    assertThatThrownBy(() -> policy.checkUrl(URI.create("http://localhost:1/m.onnx")))
        .hasMessageContaining("is not in the storage allow-list");
    SourcePolicy publicOnly = new SourcePolicy(List.of(root), new HostAllowList(List.of("*")));
    assertThatThrownBy(() -> publicOnly.checkUrl(URI.create("http://127.0.0.1:1/m.onnx")))
        .hasMessageContaining("resolves to an internal address");
    assertThatThrownBy(() -> publicOnly.checkUrl(URI.create("http://[::1]:1/m.onnx")))
        .hasMessageContaining("resolves to an internal address");
    SourcePolicy none = new SourcePolicy(List.of(root), HostAllowList.NONE);
    assertThatThrownBy(() -> none.checkUrl(URI.create("https://example.com/m.onnx")))
        .hasMessageContaining("http(s) model sources are not allowed on this node");
  }

  private String message(Path path) {
    try {
      policy.checkLocal(path, path.toString());
    } catch (ModelLoadException e) {
      return e.getMessage();
    }
    throw new AssertionError(path + " was accepted");
  }
}
