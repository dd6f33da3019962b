package io.densemesh.mesh;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The metadata a node adds when it forwards a request: the concrete model
 * ({@code mm-model-id-bin}, so the peer resolves exactly what this node resolved, even mid
 * vmodel transition), {@code dm-hop}, {@code dm-exclude} and {@code dm-load-here}.
 */
public final class ForwardHeaders {

  public static final Metadata.Key<byte[]> MODEL_ID_BIN =
      Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER);
  public static final Metadata.Key<String> HOP =
      Metadata.Key.of("dm-hop", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> EXCLUDE =
      Metadata.Key.of("dm-exclude", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> LOAD_HERE =
      Metadata.Key.of("dm-load-here", Metadata.ASCII_STRING_MARSHALLER);

  private ForwardHeaders() {}

  public static Metadata of(String modelId, RouteHints hints, boolean loadHere) {
    Metadata headers = new Metadata();
    headers.put(MODEL_ID_BIN, modelId.getBytes(StandardCharsets.UTF_8));
    headers.put(HOP, Integer.toString(hints.hops() + 1));
    if (!hints.excluded().isEmpty()) {
      headers.put(EXCLUDE, String.join(",", hints.excluded()));
    }
    if (loadHere) {
      headers.put(LOAD_HERE, "1");
    }
    return headers;
  }

  /** The hints a request carries; {@link RouteHints#NONE} when a client (not a peer) sent it. */
  public static RouteHints parse(Metadata headers) {
    String hop = headers.get(HOP);
    String exclude = headers.get(EXCLUDE);
    String loadHere = headers.get(LOAD_HERE);
    if (hop == null && exclude == null && loadHere == null) {
      return RouteHints.NONE;
    }
    int hops;
    try {
      hops = hop == null ? 0 : Math.max(0, Integer.parseInt(hop.trim()));
    } catch (NumberFormatException e) {
      hops = MeshRouter.MAX_HOPS; // garbled: do not forward again
    }
    Set<String> excluded = new HashSet<>();
    if (exclude != null) {
      for (String id : exclude.split(",")) {
        if (!id.isBlank()) {
          excluded.add(id.trim());
        }
      }
    }
    return new RouteHints(hops, excluded, "1".equals(loadHere));
  }
}
