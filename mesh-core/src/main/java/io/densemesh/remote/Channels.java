package io.densemesh.remote;

import io.densemesh.config.ConfigException;
import io.densemesh.config.GrpcAddress;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.densemesh.tls.RuntimeLinkTls;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds gRPC channels and servers for a {@link GrpcAddress}: TCP, or a Unix domain socket
 * through Netty's native epoll transport (Linux only; a clear error elsewhere).
 */
public final class Channels {

  private Channels() {}

  /** A plaintext channel, never idle-timed-out (going idle must not look like a restart). */
  public static ManagedChannel channel(GrpcAddress address, int maxMessageBytes) {
    return channel(address, maxMessageBytes, Optional.empty());
  }

  /**
   * A channel, never idle-timed-out (going idle must not look like a restart): over TLS when
   * {@code tls} is given and the address is TCP (a Unix socket stays on the host and is
   * plaintext), else plaintext.
   */
  public static ManagedChannel channel(GrpcAddress address, int maxMessageBytes,
      Optional<RuntimeLinkTls> tls) {
    NettyChannelBuilder builder;
    if (address.unix()) {
      requireEpoll();
      builder = NettyChannelBuilder.forAddress(new DomainSocketAddress(address.socket().toString()))
          .channelType(EpollDomainSocketChannel.class)
          .eventLoopGroup(ClientLoop.GROUP);
    } else {
      builder = NettyChannelBuilder.forAddress(address.host(), address.port());
    }
    if (tls.isPresent() && !address.unix()) {
      builder.sslContext(tls.get().context());
      tls.get().authority().ifPresent(builder::overrideAuthority);
    } else {
      builder.usePlaintext();
    }
    return builder.maxInboundMessageSize(maxMessageBytes)
        .idleTimeout(365, TimeUnit.DAYS).build();
  }

  /**
   * A server builder bound to the address. For a Unix socket it also creates the event loop
   * group, handed back in {@code ownedGroup[0]}: the caller shuts it down after the server.
   */
  public static NettyServerBuilder server(GrpcAddress address, EventLoopGroup[] ownedGroup) {
    if (address.unix()) {
      requireEpoll();
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
          new DefaultThreadFactory("uds-server", true), EpollIoHandler.newFactory());
      ownedGroup[0] = group;
      return NettyServerBuilder.forAddress(new DomainSocketAddress(address.socket().toString()))
          .channelType(EpollServerDomainSocketChannel.class)
          .bossEventLoopGroup(group)
          .workerEventLoopGroup(group);
    }
    return NettyServerBuilder.forAddress(new InetSocketAddress(address.host(), address.port()));
  }

  private static void requireEpoll() {
    if (!Epoll.isAvailable()) {
      throw new ConfigException("Unix domain sockets need Netty's native epoll transport, which"
          + " is unavailable here: " + Epoll.unavailabilityCause());
    }
  }

  /** One epoll loop (daemon thread) shared by every Unix-socket client channel. */
  private static final class ClientLoop {
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("uds-client", true), EpollIoHandler.newFactory());
  }
}
