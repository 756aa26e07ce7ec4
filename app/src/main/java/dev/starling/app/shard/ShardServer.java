package dev.starling.app.shard;

import dev.starling.node.wire.proto.ShardCommand;
import dev.starling.node.wire.proto.ShardHello;
import dev.starling.node.wire.proto.ShardReady;
import dev.starling.node.wire.proto.ShardWelcome;
import dev.starling.simulator.runtime.SimHarness;
import dev.starling.simulator.runtime.Shards;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A shard's end of a sharded simulation ({@code ./starling shard}): joins the coordinator's
 * cluster, says hello until welcomed, builds its nodes from the run config it is sent, then runs
 * the coordinator's commands one at a time on its harness (on this thread, not an actor's) and
 * answers each with what its nodes did. It ends after the run's Finish, or with one line when the
 * coordinator is gone.
 */
public final class ShardServer {

  private ShardServer() {}

  /** This shard's nodes of a run: the harness serving them and the run's node count. */
  public record Served(SimHarness harness, int nodes) {}

  /** Builds this shard's part of the run whose resolved config is {@code config}. */
  @FunctionalInterface
  public interface Builder {
    Served build(String config, Shards.Plan plan);
  }

  /** The coordinator is gone. */
  private record Left() {}

  /**
   * Serves shard {@code index} of {@code count} for the coordinator at {@code join}
   * ("host:port"), binding {@code host:port} here (0: any port). Returns the exit code.
   */
  public static int serve(String join, int index, int count, String host, int port, Duration timeout, Builder builder,
      PrintStream err) {
    Shards.Plan plan = new Shards.Plan(count, index);
    BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    String coordinatorPath = "pekko://" + ShardWire.SYSTEM + "@" + join + "/user/" + ShardWire.COORDINATOR;
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(Behaviors.setup(ctx -> {
        ctx.spawn(shard(coordinatorPath, index, count, inbox), ShardWire.SHARD);
        return Behaviors.empty();
      }), ShardWire.SYSTEM, ShardWire.pekko(host, port, join));
    } catch (RuntimeException e) {
      err.println("starling: shard " + index + ": cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")");
      return 1;
    }
    ActorRef<Object> coordinator = ActorRefResolver.get(system).resolveActorRef(coordinatorPath);
    Served served = null;
    try {
      Object first = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!(first instanceof ShardWelcome welcome)) {
        err.println("starling: shard " + index + ": " + (first == null ? "no coordinator answered at " + join + " within "
            + timeout.toSeconds() + " s" : "the coordinator left before welcoming this shard"));
        return 1;
      }
      long run = welcome.getRun();
      try {
        served = builder.build(welcome.getConfig(), plan);
      } catch (RuntimeException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        coordinator.tell(ShardReady.newBuilder().setIndex(index).setRun(run).setFailure(why).build());
        err.println("starling: shard " + index + ": " + why);
        return 1;
      }
      Shards.Link link = served.harness().serve(plan);
      coordinator.tell(ShardReady.newBuilder().setIndex(index).setRun(run).build());
      err.println("starling: shard " + index + " of " + count + " is up (pid " + ProcessHandle.current().pid() + "), joined to "
          + join);
      while (true) {
        Object o = inbox.take();
        if (o instanceof Left) {
          err.println("starling: shard " + index + ": the coordinator at " + join + " is gone; stopping");
          return 1;
        }
        if (!(o instanceof ShardCommand c) || c.getRun() != run) {
          continue; // a repeated welcome, or a command of another run
        }
        Shards.Reply reply;
        Shards.Command command = null;
        try {
          command = ShardWire.decode(c, served.nodes());
          reply = link.call(command);
        } catch (IllegalArgumentException e) {
          reply = new Shards.Reply(java.util.List.of(), 0, "malformed command: " + e.getMessage(), null);
        }
        coordinator.tell(ShardWire.encode(run, c.getCall(), index, reply));
        if (command instanceof Shards.Finish) {
          return 0;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      if (served != null) {
        served.harness().close();
      }
      if (!dev.starling.cluster.ActorSystems.stop(system, Duration.ofSeconds(15))) {
        err.println("starling: shard " + index + ": its actor system did not stop within 15 s");
      }
    }
  }

  /** The shard actor: hello every 2 s until welcomed; what arrives goes to the driver's inbox. */
  private static Behavior<Object> shard(String coordinatorPath, int index, int count, BlockingQueue<Object> inbox) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
      ActorRef<Object> coordinator = resolver.resolveActorRef(coordinatorPath);
      ctx.watch(coordinator);
      ShardHello hello = ShardHello.newBuilder().setIndex(index).setCount(count).setVersion(ShardWire.VERSION)
          .setRef(resolver.toSerializationFormat(ctx.getSelf())).build();
      coordinator.tell(hello);
      timers.startTimerWithFixedDelay("hello", hello, Duration.ofSeconds(2));
      boolean[] welcomed = {false};
      return Behaviors.receive(Object.class)
          .onMessage(ShardHello.class, h -> {
            coordinator.tell(h);
            return Behaviors.same();
          })
          .onMessage(ShardWelcome.class, w -> {
            if (!welcomed[0]) {
              welcomed[0] = true;
              timers.cancel("hello");
              inbox.offer(w);
            }
            return Behaviors.same();
          })
          .onMessage(ShardCommand.class, c -> {
            inbox.offer(c);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            inbox.offer(new Left());
            return Behaviors.same();
          })
          .build();
    }));
  }
}
