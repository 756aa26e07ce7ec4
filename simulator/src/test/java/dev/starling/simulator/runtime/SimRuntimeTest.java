package dev.starling.simulator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.simulator.runtime.SimHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** The simulated runtime end to end: real actors, virtual timers, modelled network and compute. */
class SimRuntimeTest {

  /** A node that records what it receives with the virtual time, and pings back once. */
  private static Behavior<Object> echo(NodePorts ports, List<String> log) {
    return Behaviors.setup(ctx -> {
      ports.network().bind(ctx.messageAdapter(Inbound.class, in -> in));
      return Behaviors.withTimers(timers -> Behaviors.receiveMessage(msg -> {
        if (msg instanceof Inbound in) {
          log.add(String.format(java.util.Locale.ROOT, "%d got round %d from %d at %.3f", ports.id(),
              in.envelope().getTrainRequest().getRound(), in.from(), ports.clock().nowSeconds()));
          if (in.envelope().getTrainRequest().getRound() == 2) {
            ports.network().rejected(in.from(), "node {} takes no round {}", ports.id(), 2);
          }
          if (in.envelope().getTrainRequest().getRound() == 1) {
            timers.startSingleTimer("t", "timer", Duration.ofSeconds(2));
          }
        } else if ("timer".equals(msg)) {
          log.add(String.format(java.util.Locale.ROOT, "%d timer at %.3f", ports.id(), ports.clock().nowSeconds()));
          ports.compute().submit(5e9, () -> "trained", (r, err) -> ctx.getSelf().tell(r));
        } else if ("trained".equals(msg)) {
          log.add(String.format(java.util.Locale.ROOT, "%d trained at %.3f", ports.id(), ports.clock().nowSeconds()));
          ports.network().send(0, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(2)));
        }
        return Behaviors.same();
      }));
    });
  }

  @Test
  void timersNetworkAndComputeRunOnVirtualTime() {
    // 100 ms latency, 1 MB/s everywhere, devices of exactly 1 GFLOP/s.
    LinkModel links = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0.1, 0, 1e6, 1e6, 1e6, Set.of(0), 0);
    DeviceModel devices = new DeviceModel(2, 1, 0, 0, 1, 1);
    List<String> log = new ArrayList<>();
    try (SimHarness sim = new SimHarness("t", 2, links, devices, id -> id == 0, 1, 1)) {
      sim.spawn(0, echo(sim.ports(0), log));
      sim.spawn(1, echo(sim.ports(1), log));
      Envelope.Builder msg = Envelope.newBuilder().setTrainRequest(
          TrainRequest.newBuilder().setRound(1).setModel(Tensors.fp32(new float[25_000])));
      sim.ports(0).network().send(1, msg);
      int size = msg.build().getSerializedSize();
      sim.runUntil(() -> log.size() == 4);
      // 100,0xx bytes at 1 MB/s up, 0.1 s latency, same again down: 2 * size/1e6 + 0.1
      double arrive = 2 * size / 1e6 + 0.1;
      assertEquals(String.format(java.util.Locale.ROOT, "1 got round 1 from 0 at %.3f", arrive), log.get(0));
      assertEquals(String.format(java.util.Locale.ROOT, "1 timer at %.3f", arrive + 2), log.get(1));
      assertEquals(String.format(java.util.Locale.ROOT, "1 trained at %.3f", arrive + 7), log.get(2)); // 5e9 FLOPs at 1e9/s
      assertTrue(log.get(3).startsWith("0 got round 2 from 1 at "), log.get(3));
      // bytes counted are exactly the serialized envelope sizes: down to node 1, up to server 0
      assertEquals(size, sim.network().bytesDown());
      Envelope reply = Envelope.newBuilder().setSender(1).setSeq(0)
          .setTrainRequest(TrainRequest.newBuilder().setRound(2)).build();
      assertEquals(reply.getSerializedSize(), sim.network().bytesUp());
      assertEquals(2, sim.network().messages());
      assertEquals(1, sim.network().rejected(), "a role's rejection is counted for the run's messages_rejected");
    }
  }

  @Test
  void uplinkQueuesBackToBackMessages() {
    LinkModel links = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0, 0, 1e6, 1e9, 1e6, Set.of(0), 0);
    DeviceModel devices = new DeviceModel(3, 1, 0, 0, 1, 1);
    List<String> log = new ArrayList<>();
    try (SimHarness sim = new SimHarness("q", 3, links, devices, id -> id == 0, 1, 1)) {
      for (int i = 0; i < 3; i++) {
        sim.spawn(i, echo(sim.ports(i), log));
      }
      Envelope.Builder msg = Envelope.newBuilder().setTrainRequest(
          TrainRequest.newBuilder().setRound(5).setModel(Tensors.fp32(new float[250_000])));
      sim.ports(0).network().send(1, msg);
      sim.ports(0).network().send(2, msg);
      try {
        sim.runUntil(() -> log.size() == 2);
      } catch (IllegalStateException e) {
        throw new AssertionError(log.toString(), e);
      }
      double one = msg.build().getSerializedSize() / 1e6;
      // the second message waits for the first to leave the server's 1 MB/s uplink
      assertEquals(one, Double.parseDouble(log.get(0).substring(log.get(0).lastIndexOf(' ') + 1)), 2e-3);
      assertEquals(2 * one, Double.parseDouble(log.get(1).substring(log.get(1).lastIndexOf(' ') + 1)), 2e-3);
    }
  }
}
