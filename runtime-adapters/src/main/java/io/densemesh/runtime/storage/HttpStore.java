package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URLConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Downloads one file with a GET. The response's {@code Content-Length} (when sent) and
 * {@code Content-MD5} (when sent) are checked against the bytes received, so a cut connection or
 * a corrupted body never becomes a cache entry. Connect and every read are bounded by the time
 * left to the download; redirects within the same scheme are followed.
 */
final class HttpStore implements RemoteStore<ArtifactLocation.Http> {

  private static final int CONNECT_TIMEOUT_CAP_MILLIS = 10_000;

  @Override
  public Fetched fetch(ArtifactLocation.Http location, Path dir, TransferBudget budget) {
    String what = location.display();
    HttpURLConnection http = open(location, budget);
    try {
      int status = http.getResponseCode();
      if (status != HttpURLConnection.HTTP_OK) {
        throw new ModelLoadException(refusal(status, http, what));
      }
      long length = http.getContentLengthLong();
      if (length >= 0) {
        budget.require(length);
      }
      String md5 = md5Hex(http.getHeaderField("Content-MD5"), what);
      String name = FileNames.lastSegment(location.uri().getPath() == null ? ""
          : location.uri().getPath(), "model");
      try (InputStream body = http.getInputStream()) {
        long bytes = VerifiedCopy.copy(body, dir.resolve(name), length, md5, budget, what);
        return new Fetched(name, bytes);
      }
    } catch (IOException e) {
      if (budget.expired()) {
        throw budget.timedOut();
      }
      throw new ModelLoadException("cannot download " + what + ": " + e, e);
    } finally {
      http.disconnect();
    }
  }

  private static HttpURLConnection open(ArtifactLocation.Http location, TransferBudget budget) {
    try {
      URLConnection connection = location.uri().toURL().openConnection();
      if (!(connection instanceof HttpURLConnection http)) {
        throw new ModelLoadException(location.display() + " is not an HTTP URL");
      }
      Duration left = budget.readTimeout();
      http.setConnectTimeout((int) Math.min(CONNECT_TIMEOUT_CAP_MILLIS, left.toMillis()));
      http.setReadTimeout((int) Math.min(Integer.MAX_VALUE, left.toMillis()));
      http.setInstanceFollowRedirects(true);
      http.setUseCaches(false);
      http.setRequestProperty("Accept-Encoding", "identity");
      return http;
    } catch (IOException | IllegalArgumentException e) {
      throw new ModelLoadException("cannot open " + location.display() + ": " + e, e);
    }
  }

  private static String refusal(int status, HttpURLConnection http, String what)
      throws IOException {
    String reason = status + " " + (http.getResponseMessage() == null ? ""
        : http.getResponseMessage());
    return switch (status) {
      case 401, 403 -> "the HTTP server refused access to " + what + " (" + reason.trim() + ")";
      case 404, 410 -> what + " does not exist (" + reason.trim() + ")";
      default -> "the HTTP server answered " + reason.trim() + " for " + what;
    };
  }

  /** {@code Content-MD5} is the base64 of the 16-byte digest (RFC 1864). */
  private static String md5Hex(String header, String what) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      byte[] digest = Base64.getDecoder().decode(header.trim());
      if (digest.length == 16) {
        return HexFormat.of().formatHex(digest);
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw new ModelLoadException("the HTTP server sent a malformed Content-MD5 for " + what
        + ": '" + header + "'");
  }
}
