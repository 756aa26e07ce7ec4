package dev.starling.tests;

import com.google.protobuf.ByteString;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.Identity;
import dev.starling.cluster.Keys;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.RouteProof;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * A cluster member with a valid certificate of its own (node 4, which has no role in the run)
 * that tries to take the place of others: it registers endpoints as the FL server (node 0) and
 * as client 2, answers the route checks sent to them with its own certificate, and sends the
 * server updates for rounds 1..8 claiming to come from clients 1 and 2 (huge sample counts,
 * values of +-100), with no MAC and with a made-up one. Every second it prints how many frames
 * meant for others reached its endpoints. Run as its own JVM until killed:
 * {@code Impostor KEYS_DIR PORT SEED NUM_PARAMS RUN_ID_HEX}.
 */
public final class Impostor {
  public static void main(String[] a) throws Exception {
    Path keys = Path.of(a[0]);
    int port = Integer.parseInt(a[1]);
    String seed = a[2];
    int numParams = Integer.parseInt(a[3]);
    ClusterSettings.Tls tls = Keys.forNode(keys, 4);
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of(seed), tls, 4 * 1024 * 1024,
        256L * 1024 * 1024, Long.parseUnsignedLong(a[4], 16));
    Identity me = Identity.load(tls);
    AtomicLong stolen = new AtomicLong();
    try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0, 1, 2, 3))) {
      if (!rt.awaitUp(Duration.ofSeconds(60)) || !rt.awaitRoutes(List.of(0), Duration.ofSeconds(60))) {
        System.err.println("impostor: could not reach the server");
        System.exit(3);
      }
      ActorRefResolver resolver = ActorRefResolver.get(rt.system());
      for (int victim : new int[] {0, 2}) {
        for (boolean bulk : new boolean[] {false, true}) {
          ActorRef<Frame> fake = rt.spawn("fake-" + (bulk ? "bulk-" : "net-") + victim, Behaviors.<Frame>setup(ctx -> {
            String selfPath = resolver.toSerializationFormat(ctx.getSelf());
            return Behaviors.receiveMessage(f -> {
              if (f.hasProbe()) { // answer as well as it can: with its own certificate and key
                var probe = f.getProbe();
                Identity.Peer asker = me.verify(probe.getCertificate(), "probe");
                ActorRef<Frame> reply = resolver.resolveActorRef(probe.getReplyTo());
                reply.tell(Frame.newBuilder().setProof(RouteProof.newBuilder().setNode(victim).setNonce(probe.getNonce())
                    .setCertificate(ByteString.copyFrom(me.certificate())).setEndpoint(selfPath)
                    .setMac(ByteString.copyFrom(Identity.routeMac(asker, victim, asker.member(), probe.getNonce(), selfPath))))
                    .build());
              } else {
                stolen.incrementAndGet();
              }
              return Behaviors.same();
            });
          }));
          rt.system().receptionist().tell(Receptionist.register(
              bulk ? ClusterRuntime.bulkKey(victim) : ClusterRuntime.inlineKey(victim), fake));
        }
      }
      System.err.println("impostor: registered as node 0 and node 2");
      SecureRandom random = new SecureRandom();
      float[] poison = new float[numParams];
      long transfer = 1;
      for (long tick = 0; ; tick++) {
        for (int victim : new int[] {1, 2}) {
          for (int round = 1; round <= 8; round++) {
            for (int i = 0; i < numParams; i++) {
              poison[i] = random.nextBoolean() ? 100f : -100f;
            }
            byte[] env = Envelope.newBuilder().setSender(victim).setSeq(tick).setModelUpdate(ModelUpdate.newBuilder()
                .setRound(round).setAttempt(0).setDelta(Tensors.fp32(poison)).setNumSamples(Integer.MAX_VALUE)
                .setTrainLoss(0.1f)).build().toByteArray();
            byte[] mac = new byte[32];
            random.nextBytes(mac);
            for (ByteString m : List.of(ByteString.EMPTY, ByteString.copyFrom(mac))) {
              var route = rt.route(0, false);
              if (route != null) {
                route.tell(Frame.newBuilder().setSender(victim).setTransfer(transfer++).setIndex(0).setCount(1)
                    .setTotalBytes(env.length).setData(ByteString.copyFrom(env)).setMac(m).build());
              }
            }
          }
        }
        if (tick % 10 == 0) {
          System.err.println("impostor: " + stolen.get() + " frames meant for others reached it");
        }
        Thread.sleep(100);
      }
    }
  }
}
