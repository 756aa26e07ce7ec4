package dev.starling.simulator.runtime;

import dev.starling.node.wire.proto.Envelope;
import java.util.List;

/**
 * The protocol of a sharded simulation: one coordinator keeps the run's only agenda and network,
 * and the shards (other JVMs, or other machines) hold the nodes. The coordinator runs events in
 * (time, insertion) order as a single JVM would; an event of a node on a shard is one
 * {@link Command} to that shard, which runs it to completion and answers with the
 * {@link Effect}s it had (actions scheduled, sends, cancellations) in the order they happened.
 * The coordinator applies them in that order, so every action gets the sequence number it gets
 * in one JVM, and the run is the same bit for bit. The synchronisation is conservative with a
 * window of one virtual instant: events of shards' nodes due at the same instant are sent
 * without waiting for each other's replies (nothing one of them does can come before another:
 * what it schedules gets a later sequence number, and a message takes at least no time), and
 * their replies are applied in order before anything else runs. What runs in parallel is those
 * commands and the nodes' compute jobs, on every shard.
 */
public final class Shards {

  private Shards() {}

  /** Which shard holds node {@code id}: {@code id mod count}, so the server (node 0) is the coordinator's. */
  public record Plan(int count, int self) {
    public Plan {
      if (count < 1 || self < 0 || self >= count) {
        throw new IllegalArgumentException("shard " + self + " of " + count);
      }
    }

    public int owner(int id) {
      return Math.floorMod(id, count);
    }

    public boolean local(int id) {
      return owner(id) == self;
    }
  }

  /** What the coordinator asks a shard to do, at virtual time {@code timeNanos}. */
  public sealed interface Command {
    long timeNanos();
  }

  /** Run the action the shard reported under {@code action}. */
  public record Run(long action, long timeNanos) implements Command {}

  /** Hand {@code envelope} (stamped with its sender) to node {@code to}'s inbox. */
  public record Deliver(int to, Envelope envelope, long timeNanos) implements Command {}

  /** Start node {@code node} with the shard's node factory. */
  public record Start(int node, long timeNanos) implements Command {}

  /** Crash node {@code node} (see {@link SimHarness#crash}). */
  public record Crash(int node, long timeNanos) implements Command {}

  /**
   * Tell node {@code node} the message the shard's {@link SimHarness#signals} maps {@code signal}
   * to (a start or leave command from the run, which is not a network message).
   */
  public record Tell(int node, int signal, long timeNanos) implements Command {}

  /** The run is over: report the compute counters. */
  public record Finish(long timeNanos) implements Command {}

  /** What a command made happen on the shard, in order. */
  public sealed interface Effect {}

  /** An action to run {@code delayNanos} after the command's time, under id {@code action}. */
  public record Insert(long delayNanos, long action) implements Effect {}

  /** The action {@code action} was cancelled. */
  public record Cancel(long action) implements Effect {}

  /** A node sent {@code envelope} (its sender and sequence number set) to node {@code to}. */
  public record Send(int to, Envelope envelope) implements Effect {}

  /**
   * What a node reported to the run (a round's model for the metrics), in the run's own encoding:
   * the coordinator hands it to its {@link SimHarness#onNotes} handler where it happened.
   */
  public record Note(byte[] data) implements Effect {
    @Override
    public boolean equals(Object o) {
      return o instanceof Note n && java.util.Arrays.equals(data, n.data);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Note[" + data.length + " bytes]";
    }
  }

  /**
   * A shard's answer.
   *
   * @param rejected messages its nodes rejected while running the command
   * @param failure why a node failed (the run cannot go on), else null
   */
  public record Reply(List<Effect> effects, long rejected, String failure, Counters counters) {}

  /** A shard's compute counters (wall-clock, for the summary only). */
  public record Counters(double busySeconds, double trainingBusySeconds, long jobs) {
    static final Counters NONE = new Counters(0, 0, 0);
  }

  /**
   * How the coordinator reaches one shard (over Artery between JVMs): a blocking call, or a
   * command sent at once whose reply is awaited later. A shard runs its commands in the order
   * they were sent, and the replies are awaited in that order.
   */
  @FunctionalInterface
  public interface Link {
    Reply call(Command command);

    /** Sends {@code command} now; its reply is {@link Pending#await}ed later, in sending order. */
    default Pending submit(Command command) {
      Reply r = call(command);
      return () -> r;
    }
  }

  /** A reply not yet awaited. */
  @FunctionalInterface
  public interface Pending {
    Reply await();
  }
}
