package dev.starling.simulator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * Nodes started when a message reaches them: a node starts on its first message, stops itself
 * when idle (passivates) and is started afresh by the next; a node still busy keeps running; a
 * crashed one stays down; only the nodes with work are held.
 */
class OnDemandNodesTest {

  /** Answers a request after 1 s of compute, then passivates; counts its starts. */
  private static Behavior<Object> worker(NodePorts ports, int[] starts) {
    return Behaviors.setup(ctx -> {
      starts[ports.id()]++;
      ports.network().bind(ctx.messageAdapter(Inbound.class, in -> in));
      return Behaviors.receiveMessage(msg -> {
        if (msg instanceof Inbound in) {
          int round = in.envelope().getTrainRequest().getRound();
          ports.compute().submit(1e9, () -> round, (r, err) -> ctx.getSelf().tell(r));
          return Behaviors.same(); // busy until the job is done
        }
        ports.network().send(0, Envelope.newBuilder().setModelUpdate(ModelUpdate.newBuilder().setRound((Integer) msg)));
        return Behaviors.stopped();
      });
    });
  }

  @Test
  void nodesStartOnTheirFirstMessageAndOnlyBusyOnesAreHeld() {
    int n = 1000;
    LinkModel links = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0.01, 0, 1e9, 1e9, 1e9, Set.of(0), 0);
    DeviceModel devices = new DeviceModel(n + 1, 1, 0, 0, 1, 1);
    int[] starts = new int[n + 1];
    List<String> got = new ArrayList<>();
    try (SimHarness sim = new SimHarness("t", n + 1, links, devices, id -> id == 0, 1, 1)) {
      sim.spawn(0, Behaviors.setup(ctx -> {
        sim.ports(0).network().bind(ctx.messageAdapter(Inbound.class, in -> in));
        return Behaviors.receiveMessage(msg -> {
          Inbound in = (Inbound) msg;
          got.add(in.from() + ":" + in.envelope().getModelUpdate().getRound());
          return Behaviors.same();
        });
      }));
      sim.spawnOnDemand(id -> id >= 1, id -> worker(sim.ports(id), starts));
      assertEquals(1, sim.runningNodes(), "no worker runs before a message reaches it");
      var server = sim.ports(0).network();
      for (int id : new int[] {5, 7, 999}) {
        server.send(id, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(1)));
      }
      sim.runUntil(() -> sim.runningNodes() == 4);
      assertTrue(sim.running(5) && sim.running(7) && sim.running(999), "each started by its message, busy training");
      sim.runUntil(() -> got.size() == 3);
      sim.runUntil(() -> sim.runningNodes() == 1);
      assertEquals(List.of("5:1", "7:1", "999:1"), got);
      assertFalse(sim.running(5), "idle again: passivated");

      sim.crash(7); // not running: it stays down
      server.send(5, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(2)));
      server.send(7, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(2)));
      sim.runUntil(() -> got.size() == 4);
      sim.runUntil(() -> sim.runningNodes() == 1);
      assertEquals("5:2", got.get(3));
      assertEquals(2, starts[5], "started afresh for its second message");
      assertEquals(1, starts[7], "a crashed node is not started again by a message");
      assertEquals(0, starts[1], "nodes never sent to never start");
      int started = 0;
      for (int s : starts) {
        started += s;
      }
      assertEquals(4, started);
    }
  }

  @Test
  void messagesStillInFlightAtShutdownStartNoNode() {
    LinkModel links = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 0.01, 0, 1e9, 1e9, 1e9, Set.of(0), 0);
    int[] starts = new int[3];
    long t0 = System.nanoTime();
    SimHarness sim = new SimHarness("t", 3, links, new DeviceModel(3, 1, 0, 0, 1, 1), id -> id == 0, 1, 1);
    sim.spawnOnDemand(id -> id >= 1, id -> worker(sim.ports(id), starts));
    sim.ports(0).network().send(2, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(1)));
    sim.close(); // drains the queue: the delivery to node 2 runs, on a system that is going away
    assertEquals(0, starts[2]);
    assertTrue(System.nanoTime() - t0 < 20e9, "close returned at once (a start there used to wait 60 s for a dead guardian)");
  }
}
