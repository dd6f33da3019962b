package io.densemesh.node;

import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.densemesh.mesh.Peers;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's one Netty event-loop group for TCP: its gRPC servers (client and internal port)
 * and its channels to peers share the same few threads, on Netty's native epoll transport where
 * it is available (NIO otherwise): one set of loop threads instead of gRPC's separate server and
 * client sets. Peer channels can be bound to one loop ({@link Peers.Loops}): a request forwarded
 * on a server's loop goes out on that loop's own channel, so its answer comes back on the thread
 * that writes it to the client, with no thread switch on the forwarding node.
 */
final class NodeTransport implements Peers.Loops, AutoCloseable {

  private final EventLoopGroup group;
  private final EventLoop[] loops;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends SocketChannel> clientChannel;

  /** @param threads event-loop threads (two per core, as a rule) */
  NodeTransport(int threads) {
    DefaultThreadFactory factory = new DefaultThreadFactory("grpc-loop", true);
    if (Epoll.isAvailable()) {
      group = new MultiThreadIoEventLoopGroup(threads, factory, EpollIoHandler.newFactory());
      serverChannel = EpollServerSocketChannel.class;
      clientChannel = EpollSocketChannel.class;
    } else {
      group = new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory());
      serverChannel = NioServerSocketChannel.class;
      clientChannel = NioSocketChannel.class;
    }
    List<EventLoop> all = new ArrayList<>();
    group.forEach(e -> all.add((EventLoop) e));
    loops = all.toArray(new EventLoop[0]);
  }

  /** Whether the native epoll transport is in use. */
  boolean epoll() {
    return serverChannel == EpollServerSocketChannel.class;
  }

  NettyServerBuilder server(NettyServerBuilder builder) {
    return builder.bossEventLoopGroup(group).workerEventLoopGroup(group)
        .channelType(serverChannel);
  }

  @Override
  public EventLoop current() {
    for (EventLoop loop : loops) {
      if (loop.inEventLoop()) {
        return loop;
      }
    }
    return null;
  }

  /** A peer channel on one of the loops, or (loop null) on the whole group. */
  @Override
  public NettyChannelBuilder bind(NettyChannelBuilder builder, EventLoop loop) {
    return builder.eventLoopGroup(loop != null ? loop : group).channelType(clientChannel);
  }

  /** After the servers and channels using the group stopped. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
  }
}
