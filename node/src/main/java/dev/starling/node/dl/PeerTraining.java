package dev.starling.node.dl;

import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import org.apache.pekko.actor.typed.ActorRef;

/** Runs one peer's local training on its compute port and reports back as a {@link PeerCommand.TrainingDone}. */
final class PeerTraining {
  private PeerTraining() {}

  static void submit(NodePorts ports, PeerSetup setup, ActorRef<PeerCommand> self, float[] start, long round, long epoch) {
    var models = setup.models();
    double flops = LocalTrainer.plannedSamples(setup.indices().length, models.training())
        * models.trainingFlopsPerSample();
    long seed = Seeds.derive(setup.seed(), ports.id(), round, epoch);
    ports.compute().submit(flops,
        () -> LocalTrainer.train(models.get(), start, setup.data(), setup.indices(), models.training(), seed),
        (result, failure) -> self.tell(new PeerCommand.TrainingDone(round, epoch, result, failure)));
  }

  /**
   * The stream a peer's stochastic codec rounds with: its own, reproducible, independent of its
   * other draws, and fresh for each incarnation (start) of the node.
   */
  static org.apache.commons.rng.UniformRandomProvider codecRng(PeerSetup setup, int self, long incarnation) {
    return org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(stream(setup, self, 0x434F444543L, incarnation));
  }

  /** A seed for one of a peer's random streams in its {@code incarnation}-th start (the first is 0). */
  static long stream(PeerSetup setup, int self, long salt, long incarnation) {
    return incarnation == 0 ? Seeds.derive(setup.seed(), self, salt) : Seeds.derive(setup.seed(), self, salt, incarnation);
  }

  /** The checkpoint a restarted peer continues from, if it saved one; its incarnation is then one more. */
  static java.util.Optional<dev.starling.node.wire.proto.PeerCheckpoint> restore(NodePorts ports) {
    var cp = ports.storage().load(dev.starling.node.wire.proto.PeerCheckpoint.parser());
    if (cp.isPresent() && cp.get().getVersion() != 1) {
      throw new dev.starling.node.wire.InvalidMessageException("peer " + ports.id() + " checkpoint version "
          + cp.get().getVersion() + " (this build reads 1)");
    }
    return cp;
  }

  /** Whether a training result may be sent: every parameter and the loss finite. */
  static boolean finite(float[] params, double loss) {
    if (!Double.isFinite(loss)) {
      return false;
    }
    for (float v : params) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /** The unweighted mean of equally long vectors, summed in the given order. */
  static float[] mean(Iterable<float[]> models, int count) {
    float[] out = null;
    for (float[] m : models) {
      if (out == null) {
        out = m.clone();
      } else {
        for (int i = 0; i < out.length; i++) {
          out[i] += m[i];
        }
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("mean of no models");
    }
    float inv = 1f / count;
    for (int i = 0; i < out.length; i++) {
      out[i] *= inv;
    }
    return out;
  }
}
