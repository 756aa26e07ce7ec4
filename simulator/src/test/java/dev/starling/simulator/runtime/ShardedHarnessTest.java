package dev.starling.simulator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.Ping;
import dev.starling.node.wire.proto.TrainRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * A run split over shards is the run in one harness, event for event: a protocol with every kind
 * of effect (compute jobs of node-dependent length, timers, timers cancelled, sends between
 * nodes of different shards, jittered and lossy links, nodes started on demand, a crash, and
 * rejections) gives the same trace, with the same virtual times, the same byte counts and the
 * same rejections, on 1, 2 and 3 shards. The shards here are harnesses in this JVM reached
 * through a link that serializes every envelope, as Artery does between JVMs.
 */
class ShardedHarnessTest {

  private static final int CLIENTS = 12;
  private static final int ROUNDS = 4;

  private record Tick(int round) {}

  private record Done(int round, long value) {}

  /**
   * A client: on a request it pings its neighbour, trains (a job whose length depends on its
   * device), then waits a timer (the same for all when {@code ties}, so that answers of equal
   * devices reach the server at one instant, in the order of their insertion) before answering
   * with the pings it has seen; a second timer is
   * set and cancelled each time. A ping for another round is rejected. It passivates when idle.
   */
  private static Behavior<Object> client(NodePorts ports, boolean ties) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ports.network().bind(ctx.messageAdapter(Inbound.class, in -> in));
      long[] pings = new long[1];
      int[] round = {0};
      return Behaviors.receiveMessage(msg -> {
        if (msg instanceof Inbound in && in.envelope().hasTrainRequest()) {
          round[0] = in.envelope().getTrainRequest().getRound();
          int next = ports.id() % CLIENTS + 1;
          ports.network().send(next, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(round[0])));
          int r = round[0];
          ports.compute().submit(1e8 * (1 + ports.id() % 5), () -> (long) r * 1000 + ports.id(),
              (v, err) -> ctx.getSelf().tell(new Done(r, v)));
          timers.startSingleTimer("never", new Tick(-1), Duration.ofSeconds(50));
          return Behaviors.same();
        }
        if (msg instanceof Inbound in && in.envelope().hasPing()) {
          if (in.envelope().getPing().getRound() != round[0]) {
            ports.network().rejected(in.from(), "ping for round {} in round {}", in.envelope().getPing().getRound(), round[0]);
          } else {
            pings[0]++;
          }
          return Behaviors.same();
        }
        if (msg instanceof Done d) {
          timers.cancel("never");
          timers.startSingleTimer("answer", new Tick(d.round()), Duration.ofMillis(ties ? 10 : 10 + 7L * (ports.id() % 3)));
          return Behaviors.same();
        }
        Tick t = (Tick) msg;
        ports.network().send(0, Envelope.newBuilder().setModelUpdate(
            ModelUpdate.newBuilder().setRound(t.round()).setNumSamples(pings[0])));
        return Behaviors.stopped(); // passivates; the next request starts it afresh
      });
    }));
  }

  /** The server: a round asks every client that is up and ends when all that were asked answered or 2 s pass. */
  private static Behavior<Object> server(NodePorts ports, List<String> trace, boolean[] finished) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ports.network().bind(ctx.messageAdapter(Inbound.class, in -> in));
      int[] round = {0};
      int[] answers = {0};
      Runnable next = () -> {
        round[0]++;
        answers[0] = 0;
        if (round[0] > ROUNDS) {
          finished[0] = true;
          return;
        }
        for (int c = 1; c <= CLIENTS; c++) {
          ports.network().send(c, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(round[0])));
        }
        timers.startSingleTimer("deadline", new Tick(round[0]), Duration.ofSeconds(2));
      };
      next.run();
      return Behaviors.receiveMessage(msg -> {
        if (msg instanceof Inbound in) {
          ModelUpdate u = in.envelope().getModelUpdate();
          trace.add(String.format(java.util.Locale.ROOT, "%.9f s: %d says round %d pings %d", ports.clock().nowSeconds(),
              in.from(), u.getRound(), u.getNumSamples()));
          if (u.getRound() == round[0] && ++answers[0] == CLIENTS) {
            timers.cancel("deadline");
            next.run();
          }
        } else if (((Tick) msg).round() == round[0]) {
          trace.add("deadline of round " + round[0]);
          next.run();
        }
        return Behaviors.same();
      });
    }));
  }

  private static List<String> run(int shards, boolean ties) {
    return run(shards, ties, Long.MAX_VALUE);
  }

  /**
   * The trace, bytes, messages, losses and rejections of the run split over {@code shards},
   * stopped early once {@code stopAt} messages were sent.
   */
  private static List<String> run(int shards, boolean ties, long stopAt) {
    int n = CLIENTS + 1;
    // With constant latencies and equal devices many events fall at the same instant, and only
    // the insertion order decides which runs first.
    LinkModel links = ties ? new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0.02, 0, 1e15, 1e15, 1e15, Set.of(0), 0)
        : new SimpleLinkModel(SimpleLinkModel.Latency.LOGNORMAL, 0.02, 0.5, 1e6, 2e6, 1e7, Set.of(0), 0.05);
    DeviceModel devices = ties ? new DeviceModel(n, 1, 0, 0, 1, 9, 0) : new DeviceModel(n, 1, 0.5, 0.2, 4, 9, 0);
    List<SimHarness> all = new ArrayList<>();
    List<Shards.Link> to = new ArrayList<>();
    try {
      for (int s = 0; s < shards; s++) {
        SimHarness h = new SimHarness("shard-" + s, n, links, devices, id -> id == 0, 2, 42);
        h.spawnOnDemand(id -> id >= 1, id -> client(h.ports(id), ties));
        all.add(h);
        to.add(s == 0 ? null : serializing(h.serve(new Shards.Plan(shards, s))));
      }
      SimHarness sim = all.get(0);
      if (shards > 1) {
        sim.coordinate(new Shards.Plan(shards, 0), to);
      }
      List<String> trace = new ArrayList<>();
      boolean[] finished = {false};
      sim.queue().after(1_500_000_000L, () -> sim.crash(CLIENTS)); // a client of the last shard, mid-run
      sim.spawn(0, server(sim.ports(0), trace, finished));
      sim.runUntil(() -> finished[0] || sim.network().messages() >= stopAt);
      SimNetwork nw = sim.network();
      trace.add("end at " + sim.queue().nowNanos() + " ns; bytes " + nw.bytesUp() + " up, " + nw.bytesDown() + " down, "
          + nw.bytesTotal() + " total; " + nw.messages() + " messages, " + nw.lost() + " lost, " + nw.rejected() + " rejected; "
          + sim.counters().jobs() + " jobs");
      if (ties && shards > 2) {
        // Many events of shards' nodes fall at one instant, consecutive ones of 2 or more shards
        // among them (with 2 shards, ids alternate between here and there): they went out together.
        assertTrue(sim.shardCommandsOverlapped() > 0, "no command of " + sim.shardCommands() + " was sent with another");
      }
      return List.copyOf(trace); // closing the harnesses still drains events, which may add to it
    } finally {
      for (SimHarness h : all) {
        h.close();
      }
    }
  }

  /** A link that sends every envelope through its protobuf bytes, as between JVMs. */
  private static Shards.Link serializing(Shards.Link shard) {
    return command -> {
      Shards.Command c = command instanceof Shards.Deliver d
          ? new Shards.Deliver(d.to(), roundTrip(d.envelope()), d.timeNanos()) : command;
      Shards.Reply r = shard.call(c);
      List<Shards.Effect> effects = new ArrayList<>();
      for (Shards.Effect e : r.effects()) {
        effects.add(e instanceof Shards.Send s ? new Shards.Send(s.to(), roundTrip(s.envelope())) : e);
      }
      return new Shards.Reply(effects, r.rejected(), r.failure(), r.counters());
    };
  }

  private static Envelope roundTrip(Envelope e) {
    try {
      return Envelope.parseFrom(e.toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  @Test
  void aRunSplitOverShardsIsTheRunInOneHarness() {
    List<String> one = run(1, false);
    assertTrue(one.size() > CLIENTS * 2, "the protocol ran: " + one);
    assertTrue(one.stream().anyMatch(l -> l.startsWith("deadline")), "the crash and the losses made a round time out");
    String end = one.get(one.size() - 1);
    assertTrue(!end.contains(" 0 lost") && !end.contains(" 0 rejected"), "losses and rejections happened: " + end);
    assertEquals(one, run(2, false));
    assertEquals(one, run(3, false));
  }

  @Test
  void eventsAtTheSameInstantRunInTheOrderOneHarnessRunsThem() {
    List<String> one = run(1, true);
    assertEquals(one, run(2, true));
    assertEquals(one, run(3, true));
    assertEquals(one, run(CLIENTS + 1, true), "every node on a shard of its own");
  }

  /**
   * At 0.02 s the server's 12 requests reach the clients at one instant, and each client pings
   * its neighbour: with every client on a shard of its own, those 12 commands go out together.
   * A run that ends at the 20th message (the 8th ping) ends there on shards too, with the other
   * replies of that instant unapplied, as their events would not have run yet in one harness
   * (before the fix of 2026-12-03 the driver looped forever there).
   */
  @Test
  void aRunEndingInTheMiddleOfAnInstantEndsWhereOneHarnessEnds() {
    List<String> one = run(1, true, 20);
    assertTrue(one.get(one.size() - 1).contains(" 20 messages"), one.toString());
    List<String> sharded = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(CLIENTS + 1, true, 20));
    // Only the compute counters may differ (jobs that ran on the workers by now: wall-clock
    // timing, and the shards did run the rest of the instant's commands, whose effects never
    // reach the run).
    java.util.function.UnaryOperator<List<String>> noJobs = t -> t.stream().map(l -> l.replaceAll("; \\d+ jobs$", "")).toList();
    assertEquals(noJobs.apply(one), noJobs.apply(sharded));
  }

  @Test
  void aShardRefusesANodeItDoesNotHold() {
    LinkModel links = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0.01, 0, 1e9, 1e9, 1e9, Set.of(0), 0);
    try (SimHarness h = new SimHarness("s", 4, links, new DeviceModel(4, 1, 0, 0, 1, 1), id -> id == 0, 1, 1)) {
      Shards.Link link = h.serve(new Shards.Plan(2, 1));
      Shards.Reply r = link.call(new Shards.Deliver(2, Envelope.newBuilder().setSender(0).build(), 0));
      assertTrue(r.failure() != null && r.failure().contains("node 2 is not on shard 1"), r.failure());
      assertThrows(IllegalStateException.class, () -> h.spawn(2, Behaviors.empty()));
    }
  }
}
