package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;

/**
 * Downloads one file with a GET, from hosts the {@link SourcePolicy} allows only. The client
 * resolves host names through the policy ({@link SourcePolicy#addressesFor}), so it connects to
 * exactly the addresses that were checked; redirects are followed by hand (at most
 * {@value #MAX_REDIRECTS}, never from https to http), each target checked the same way. The
 * response's {@code Content-Length} and {@code Content-MD5} (when sent) are checked against the
 * bytes received, so a cut connection or a corrupted body never becomes a cache entry. A refusal
 * is reported by status code only: the store's body and reason text never reach a client.
 */
final class HttpStore implements RemoteStore<ArtifactLocation.Http> {

  static final int MAX_REDIRECTS = 5;
  private static final long CONNECT_TIMEOUT_CAP_MILLIS = 10_000;

  private final SourcePolicy policy;

  HttpStore(SourcePolicy policy) {
    this.policy = policy;
  }

  @Override
  public Fetched fetch(ArtifactLocation.Http location, Path dir, TransferBudget budget) {
    String what = location.display();
    URI current = location.uri();
    try (PoolingHttpClientConnectionManager connections = connections(what, budget);
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(connections)
            .disableRedirectHandling().disableAutomaticRetries().disableContentCompression()
            .disableCookieManagement().build()) {
      for (int hop = 0; ; hop++) {
        policy.checkUrl(current);
        HttpGet get = new HttpGet(current);
        get.setHeader("Accept-Encoding", "identity");
        try (ClassicHttpResponse response = client.executeOpen(HttpHost.create(current), get,
            null)) {
          int status = response.getCode();
          if (isRedirect(status)) {
            current = redirectTarget(current, response, hop, what);
            continue;
          }
          if (status != 200) {
            throw new ModelLoadException(refusal(status, what));
          }
          return save(location, response, dir, budget, what);
        }
      }
    } catch (IOException e) {
      if (budget.expired()) {
        throw budget.timedOut();
      }
      throw new ModelLoadException("cannot download " + what + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("cannot download " + what + ": bad URL", e);
    }
  }

  private PoolingHttpClientConnectionManager connections(String what, TransferBudget budget) {
    long left = budget.readTimeout().toMillis();
    DnsResolver checked = new DnsResolver() {
      @Override
      public InetAddress[] resolve(String host) {
        return policy.addressesFor(host, what);
      }

      @Override
      public String resolveCanonicalHostname(String host) {
        return host;
      }
    };
    return PoolingHttpClientConnectionManagerBuilder.create()
        .setDnsResolver(checked)
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(Timeout.ofMilliseconds(Math.min(CONNECT_TIMEOUT_CAP_MILLIS, left)))
            .setSocketTimeout(Timeout.ofMilliseconds(Math.min(Integer.MAX_VALUE, left)))
            .build())
        .build();
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static URI redirectTarget(URI current, ClassicHttpResponse response, int hop,
      String what) {
    Header location = response.getFirstHeader("Location");
    if (location == null) {
      throw new ModelLoadException("the HTTP server redirected " + what + " without a Location");
    }
    if (hop + 1 > MAX_REDIRECTS) {
      throw new ModelLoadException(what + " redirects more than " + MAX_REDIRECTS + " times");
    }
    URI next;
    try {
      next = current.resolve(location.getValue().trim());
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("the HTTP server redirected " + what + " to a malformed URL");
    }
    String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http")
        && current.getScheme().equalsIgnoreCase("http"))) {
      throw new ModelLoadException("the HTTP server redirected " + what + " to a "
          + (scheme.isEmpty() ? "relative" : scheme) + " URL, which is refused");
    }
    return next;
  }

  private static Fetched save(ArtifactLocation.Http location, ClassicHttpResponse response,
      Path dir, TransferBudget budget, String what) throws IOException {
    HttpEntity entity = response.getEntity();
    if (entity == null) {
      throw new ModelLoadException("the HTTP server sent no body for " + what);
    }
    long length = entity.getContentLength();
    if (length >= 0) {
      budget.require(length);
    }
    Header md5Header = response.getFirstHeader("Content-MD5");
    String md5 = md5Hex(md5Header == null ? null : md5Header.getValue(), what);
    String name = FileNames.lastSegment(location.uri().getPath() == null ? ""
        : location.uri().getPath(), "model");
    try (InputStream body = entity.getContent()) {
      long bytes = VerifiedCopy.copy(body, dir.resolve(name), length, md5, budget, what);
      return new Fetched(name, bytes);
    }
  }

  private static String refusal(int status, String what) {
    return switch (status) {
      case 401, 403 -> "the HTTP server refused access to " + what + " (HTTP " + status + ")";
      case 404, 410 -> what + " does not exist (HTTP " + status + ")";
      default -> "the HTTP server answered HTTP " + status + " for " + what;
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
    throw new ModelLoadException("the HTTP server sent a malformed Content-MD5 for " + what);
  }
}
