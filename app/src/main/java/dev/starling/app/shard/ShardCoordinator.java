package dev.starling.app.shard;

import dev.starling.node.UserError;
import dev.starling.node.wire.proto.ShardHello;
import dev.starling.node.wire.proto.ShardReady;
import dev.starling.node.wire.proto.ShardReply;
import dev.starling.node.wire.proto.ShardWelcome;
import dev.starling.simulator.runtime.Shards;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's end of a sharded simulation: an actor system that is the seed of the shards'
 * cluster, an actor that welcomes shards 1..count-1 (with the run's config) and receives their
 * replies, and one {@link Shards.Link} per shard for the harness's driver thread (a blocking call, or a
 * command sent now whose reply is awaited later, in order). The
 * shards are child JVMs it starts (local launch) or processes others start on their machines
 * (external). A shard that exits, leaves the cluster or sends what cannot be decoded fails the
 * run with one line; nothing waits for a shard that is gone.
 */
public final class ShardCoordinator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ShardCoordinator.class);

  /** A shard left (its JVM stopped, or the cluster downed it). */
  private record Left(String why) {}

  private final int count;
  private final int nodes;
  private final long run;
  private final String config;
  private final ActorSystem<Void> system;
  private final ActorRef<Object>[] shards;
  private final List<BlockingQueue<Object>> inbox = new ArrayList<>();
  private final List<CompletableFuture<Void>> ready = new ArrayList<>();
  private final Process[] children;
  private final Path logs;
  private final long[] calls;
  private final boolean[] finished;
  private final String address;

  /**
   * Starts the coordinator's actor system on {@code host:port} (0: any free port).
   *
   * @param nodes the run's node count (commands and replies naming others are refused)
   * @param config the resolved run config every shard builds its nodes from
   * @param logs where local shards write {@code shard-<i>.log}
   */
  @SuppressWarnings("unchecked")
  public ShardCoordinator(int count, int nodes, String host, int port, String config, long run, Path logs) {
    this.count = count;
    this.nodes = nodes;
    this.run = run;
    this.config = config;
    this.logs = logs;
    this.shards = new ActorRef[count];
    this.children = new Process[count];
    this.calls = new long[count];
    this.finished = new boolean[count];
    for (int i = 0; i < count; i++) {
      inbox.add(new LinkedBlockingQueue<>());
      ready.add(new CompletableFuture<>());
    }
    ready.get(0).complete(null);
    dev.starling.cluster.Bind.check(host, port, "simulation.coordinator-host", null, "simulation.coordinator-port");
    try {
      system = ActorSystem.create(Behaviors.setup(ctx -> {
        ctx.spawn(coordinator(), ShardWire.COORDINATOR);
        return Behaviors.empty();
      }), ShardWire.SYSTEM, ShardWire.pekko(host, port, null));
    } catch (RuntimeException e) {
      throw new UserError("simulation.coordinator-host/port " + host + ":" + port + ": cannot listen there ("
          + rootMessage(e) + ")");
    }
    Address self = Cluster.get(system).selfMember().address();
    Cluster.get(system).manager().tell(Join.create(self));
    address = self.getHost().get() + ":" + self.getPort().get();
  }

  /** "host:port" the shards join. */
  public String address() {
    return address;
  }

  /** Starts shards 1..count-1 as child JVMs: {@code javaCommand} followed by the {@code shard} subcommand's arguments. */
  public void launch(List<String> javaCommand) {
    for (int i = 1; i < count; i++) {
      List<String> cmd = new ArrayList<>(javaCommand);
      cmd.addAll(joinArguments(i));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(i).toFile());
      pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
      try {
        children[i] = pb.start();
      } catch (IOException e) {
        throw new UserError("cannot start shard " + i + " (" + cmd.get(0) + "): " + e.getMessage());
      }
    }
  }

  /** The {@code shard} subcommand and its arguments that join shard {@code i} to this coordinator. */
  public List<String> joinArguments(int i) {
    return List.of("shard", "--join", address, "--index", Integer.toString(i), "--count", Integer.toString(count));
  }

  private Path log(int i) {
    return logs.resolve("shard-" + i + ".log");
  }

  /** Waits until every shard has built its nodes, at most {@code timeout}; throws naming the first that did not. */
  public void awaitShards(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 1; i < count; i++) {
      while (true) {
        try {
          ready.get(i).get(1, TimeUnit.SECONDS);
          break;
        } catch (TimeoutException e) {
          checkAlive(i);
          if (System.nanoTime() > deadline) {
            throw new UserError("shard " + i + " of " + count + " was not up within " + timeout.toSeconds()
                + " s (simulation.shard-timeout-s)" + (children[i] == null
                ? "; start it with: ./starling " + String.join(" ", joinArguments(i)) : "; see " + log(i)));
          }
        } catch (ExecutionException e) {
          throw new UserError("shard " + i + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for shard " + i);
        }
      }
    }
  }

  /** The links to the shards (index 0, the coordinator itself, is null), for {@code SimHarness.coordinate}. */
  public List<Shards.Link> links() {
    List<Shards.Link> links = new ArrayList<>();
    links.add(null);
    for (int i = 1; i < count; i++) {
      int shard = i;
      links.add(new Shards.Link() {
        @Override
        public Shards.Reply call(Shards.Command command) {
          return submit(command).await();
        }

        @Override
        public Shards.Pending submit(Shards.Command command) {
          long n = ++calls[shard];
          shards[shard].tell(ShardWire.encode(run, n, command));
          return () -> awaitReply(shard, n, command);
        }
      });
    }
    return links;
  }

  /** The reply to call {@code n} of {@code shard} (replies come in call order; they are awaited in it). */
  private Shards.Reply awaitReply(int shard, long n, Shards.Command command) {
    BlockingQueue<Object> q = inbox.get(shard);
    while (true) {
      Object o;
      try {
        o = q.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for shard " + shard);
      }
      if (o == null) {
        checkAlive(shard);
      } else if (o instanceof ShardReply r) {
        if (r.getCall() != n) {
          throw new IllegalStateException("shard " + shard + " answered call " + r.getCall() + " while call " + n + " was waiting");
        }
        try {
          Shards.Reply reply = ShardWire.decode(r, nodes);
          finished[shard] = command instanceof Shards.Finish;
          return reply;
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("shard " + shard + " sent a malformed reply: " + e.getMessage());
        }
      } else {
        q.offer(o); // stays for every later call
        throw new IllegalStateException("shard " + shard + " left the run: " + ((Left) o).why() + hint(shard));
      }
    }
  }

  /** Throws when local shard {@code i} has exited. */
  private void checkAlive(int i) {
    Process p = children[i];
    if (p != null && !p.isAlive()) {
      throw new IllegalStateException("shard " + i + " exited with code " + p.exitValue() + hint(i));
    }
  }

  private String hint(int i) {
    if (children[i] == null) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(log(i), StandardCharsets.UTF_8);
      String last = "";
      for (String l : lines) {
        if (!l.isBlank()) {
          last = l.strip();
        }
      }
      return " (" + log(i) + (last.isEmpty() ? "" : ": " + last) + ")";
    } catch (IOException e) {
      return " (" + log(i) + ")";
    }
  }

  private Behavior<Object> coordinator() {
    return Behaviors.setup(ctx -> {
      ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
      return Behaviors.receive(Object.class)
          .onMessage(ShardHello.class, h -> {
            int i = h.getIndex();
            if (h.getVersion() != ShardWire.VERSION) {
              if (i > 0 && i < count) {
                ready.get(i).completeExceptionally(new IllegalStateException(
                    "speaks shard protocol version " + h.getVersion() + ", this build " + ShardWire.VERSION));
              }
              return Behaviors.same();
            }
            if (h.getCount() != count || i < 1 || i >= count) {
              log.warn("refused a shard claiming index {} of {}: this run has shards 1..{}", Integer.toUnsignedString(i),
                  Integer.toUnsignedString(h.getCount()), count - 1);
              return Behaviors.same();
            }
            ActorRef<Object> ref = resolver.resolveActorRef(h.getRef());
            if (shards[i] == null) {
              shards[i] = ref;
              ctx.watch(ref);
            } else if (!shards[i].equals(ref)) {
              log.warn("refused a second shard {} at {}: shard {} is {}", i, h.getRef(), i, shards[i].path());
              return Behaviors.same();
            }
            ref.tell(ShardWelcome.newBuilder().setConfig(config).setRun(run).build());
            return Behaviors.same();
          })
          .onMessage(ShardReady.class, r -> {
            int i = r.getIndex();
            if (r.getRun() == run && i > 0 && i < count) {
              if (r.getFailure().isEmpty()) {
                ready.get(i).complete(null);
              } else {
                ready.get(i).completeExceptionally(new IllegalStateException(r.getFailure()));
              }
            }
            return Behaviors.same();
          })
          .onMessage(ShardReply.class, r -> {
            int i = r.getIndex();
            if (r.getRun() == run && i > 0 && i < count) {
              inbox.get(i).offer(r);
            }
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            for (int i = 1; i < count; i++) {
              if (t.getRef().equals(shards[i])) {
                inbox.get(i).offer(new Left("its actor system stopped or became unreachable"));
                ready.get(i).completeExceptionally(new IllegalStateException("left before it was up" + hint(i)));
              }
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  /**
   * Waits up to 10 s for local shards that had the run's Finish to exit (they leave the cluster
   * first), then stops the actor system (a shard still waiting for commands then exits, seeing its
   * coordinator gone) and, after up to 10 s more, any shard process left.
   */
  @Override
  public void close() {
    waitForChildren(true);
    if (!dev.starling.cluster.ActorSystems.stop(system, Duration.ofSeconds(10))) {
      log.warn("the shard coordinator's actor system did not stop within 10 s");
    }
    waitForChildren(false);
  }

  private void waitForChildren(boolean onlyFinished) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (int i = 1; i < count; i++) {
      Process p = children[i];
      if (p == null || (onlyFinished && !finished[i])) {
        continue;
      }
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) && !onlyFinished) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage();
  }
}
