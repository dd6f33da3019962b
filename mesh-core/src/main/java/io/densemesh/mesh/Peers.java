package io.densemesh.mesh;

import com.google.common.util.concurrent.ListenableFuture;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.densemesh.observability.RequestIds;
import io.densemesh.observability.TraceHeaders;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * gRPC channels to the other nodes, one per address, with this node's count of requests in
 * flight to each (the load signal for choosing among holders). Inference is forwarded as opaque
 * bytes on the same method name clients use, so the receiving node treats it like any request.
 */
public final class Peers implements AutoCloseable {

  /** {@code inference.GRPCInferenceService/ModelInfer} with the payload left as bytes. */
  public static final MethodDescriptor<byte[], byte[]> MODEL_INFER_BYTES =
      bytesMethod(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());

  /** {@code inference.GRPCInferenceService/ModelMetadata} with the payload left as bytes. */
  public static final MethodDescriptor<byte[], byte[]> MODEL_METADATA_BYTES =
      bytesMethod(GRPCInferenceServiceGrpc.getModelMetadataMethod().getFullMethodName());

  /** A unary method whose request and response stay bytes. */
  public static MethodDescriptor<byte[], byte[]> bytesMethod(String fullName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName)
        .setRequestMarshaller(BytesMarshaller.INSTANCE)
        .setResponseMarshaller(BytesMarshaller.INSTANCE)
        .build();
  }

  /**
   * A peer's channels and this node's in-flight count to it: one channel for callers off the
   * node's event loops (peer control, REST, retries), and, where the node shares its event loops
   * with its servers ({@link Loops}), one per loop, created on first use, so a request forwarded
   * from a server's transport thread goes out and comes back on that same thread.
   */
  public static final class Peer {
    final String address;
    final ManagedChannel channel;
    final Map<EventLoop, ManagedChannel> byLoop = new ConcurrentHashMap<>();
    final AtomicInteger inFlight = new AtomicInteger();

    Peer(String address, ManagedChannel channel) {
      this.address = address;
      this.channel = channel;
    }

    /** The channel for callers off the event loops. */
    public ManagedChannel channel() {
      return channel;
    }

    public int inFlight() {
      return inFlight.get();
    }

    void shutdown() {
      channel.shutdown();
      byLoop.values().forEach(ManagedChannel::shutdown);
    }

    void shutdownNow() {
      channel.shutdownNow();
      byLoop.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * The node's shared event loops, when its servers and peer channels use the same ones: which
   * loop the calling thread runs (null when none), and a channel to an address bound to one loop.
   * Channels per loop are bounded by the number of loops.
   */
  public interface Loops {
    EventLoop current();

    NettyChannelBuilder bind(NettyChannelBuilder builder, EventLoop loop);

    /** For channels that need no loop affinity: gRPC's own event loops. */
    Loops NONE = new Loops() {
      @Override
      public EventLoop current() {
        return null;
      }

      @Override
      public NettyChannelBuilder bind(NettyChannelBuilder builder, EventLoop loop) {
        return builder;
      }
    };
  }

  /** Metadata carrying the mesh secret to a peer's internal port. */
  public static final Metadata.Key<String> MESH_SECRET =
      Metadata.Key.of("dm-mesh-secret", Metadata.ASCII_STRING_MARSHALLER);

  private final Map<String, Peer> byAddress = new ConcurrentHashMap<>();
  private final Function<String, ManagedChannel> channels;
  private final Loops loops;
  private final BiFunction<String, EventLoop, ManagedChannel> loopChannels;

  /** Plaintext Netty channels to {@code host:port} addresses. */
  public Peers(int maxMessageBytes) {
    this(maxMessageBytes, Optional.empty());
  }

  /**
   * Plaintext Netty channels that send the mesh secret, when the mesh uses one, with every call
   * to a peer's internal port.
   */
  public Peers(int maxMessageBytes, Optional<String> meshSecret) {
    this(maxMessageBytes, meshSecret, Optional.empty());
  }

  /**
   * Netty channels to peers' internal ports.
   *
   * @param meshSecret sent with every call when the mesh uses one
   * @param tls when present, every link is TLS with this context (mesh CA verified, this node's
   *     certificate presented)
   */
  public Peers(int maxMessageBytes, Optional<String> meshSecret, Optional<SslContext> tls) {
    this(maxMessageBytes, meshSecret, tls, Loops.NONE);
  }

  /**
   * @param loops the node's shared event loops (the channels run on them, one channel per loop
   *     for forwards made on a loop); {@link Loops#NONE} for gRPC's own
   */
  public Peers(int maxMessageBytes, Optional<String> meshSecret, Optional<SslContext> tls,
      Loops loops) {
    this(address -> nettyChannel(address, null, maxMessageBytes, meshSecret, tls, loops),
        loops, (address, loop) ->
            nettyChannel(address, loop, maxMessageBytes, meshSecret, tls, loops));
  }

  /** @param channels opens the channel to one peer address (in-process ones in unit tests) */
  public Peers(Function<String, ManagedChannel> channels) {
    this(channels, Loops.NONE, (address, loop) -> channels.apply(address));
  }

  private Peers(Function<String, ManagedChannel> channels, Loops loops,
      BiFunction<String, EventLoop, ManagedChannel> loopChannels) {
    this.channels = channels;
    this.loops = loops;
    this.loopChannels = loopChannels;
  }

  /** @param loop the one loop the channel runs on; null for the whole shared group */
  private static ManagedChannel nettyChannel(String address, EventLoop loop, int maxMessageBytes,
      Optional<String> meshSecret, Optional<SslContext> tls, Loops loops) {
    NettyChannelBuilder builder = loops.bind(NettyChannelBuilder.forTarget(address), loop);
    meshSecret.ifPresent(secret -> {
      Metadata headers = new Metadata();
      headers.put(MESH_SECRET, secret);
      builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    });
    return secured(builder, tls)
        // Response callbacks only hand bytes back to the waiting server call (never block):
        // running them on the event loop saves a thread switch per forwarded request.
        .directExecutor()
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
  }

  public Peer peer(String address) {
    return byAddress.computeIfAbsent(address, a -> new Peer(a, channels.apply(a)));
  }

  /** The channel a forward from this thread goes on: its event loop's own, if it runs one. */
  private ManagedChannel channelHere(Peer peer) {
    EventLoop loop = loops.current();
    if (loop == null) {
      return peer.channel;
    }
    ManagedChannel channel = peer.byLoop.get(loop);
    return channel != null ? channel
        : peer.byLoop.computeIfAbsent(loop, l -> loopChannels.apply(peer.address, l));
  }

  private static NettyChannelBuilder secured(NettyChannelBuilder builder,
      Optional<SslContext> tls) {
    return tls.isPresent() ? builder.sslContext(tls.get()) : builder.usePlaintext();
  }

  /** Requests this node has in flight to {@code address}. */
  public int inFlight(String address) {
    Peer p = byAddress.get(address);
    return p == null ? 0 : p.inFlight.get();
  }

  /** Load signal lookup for routing decisions. */
  public ToIntFunction<String> inFlightByAddress() {
    return this::inFlight;
  }

  /** Forwards a request's bytes; the future completes with the peer's response bytes. */
  public ListenableFuture<byte[]> forward(Peer peer, MethodDescriptor<byte[], byte[]> method,
      byte[] request, Metadata headers, CallOptions options) {
    TraceHeaders.inject(headers);
    String requestId = RequestIds.current();
    if (requestId != null) {
      headers.put(RequestIds.HEADER, requestId);
    }
    ClientCall<byte[], byte[]> call = ClientInterceptors.intercept(channelHere(peer),
        MetadataUtils.newAttachHeadersInterceptor(headers)).newCall(method, options);
    peer.inFlight.incrementAndGet();
    ListenableFuture<byte[]> response = ClientCalls.futureUnaryCall(call, request);
    response.addListener(peer.inFlight::decrementAndGet, Runnable::run);
    return response;
  }

  /** Closes channels to addresses no longer in the mesh. */
  public void retainOnly(Collection<String> liveAddresses) {
    for (String address : List.copyOf(byAddress.keySet())) {
      if (!liveAddresses.contains(address)) {
        Peer gone = byAddress.remove(address);
        if (gone != null) {
          gone.shutdown();
        }
      }
    }
  }

  @Override
  public void close() {
    byAddress.values().forEach(Peer::shutdownNow);
    byAddress.clear();
  }

  /** Passes message bytes through untouched. */
  enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new KnownBytes(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        if (stream instanceof KnownLength) {
          int length = stream.available(); // the whole message: one exact read
          byte[] bytes = stream.readNBytes(length);
          if (stream.read() == -1) {
            return bytes;
          }
          throw new IOException("message longer than its announced " + length + " bytes");
        }
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Bytes that gRPC can frame by their known length and drain straight into its transport
   * buffer, rather than copying them through an intermediate buffer chain.
   */
  static final class KnownBytes extends ByteArrayInputStream implements KnownLength, Drainable {

    KnownBytes(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(java.io.OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
