package dev.starling.node.runtime;

import dev.starling.node.wire.proto.Envelope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.CapturedLogEvent;
import org.apache.pekko.actor.testkit.typed.Effect;
import org.apache.pekko.actor.testkit.typed.javadsl.BehaviorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Signal;

/**
 * A scripted runtime for one role under test: deterministic, single-threaded, no real time. The
 * role runs in Pekko's {@link BehaviorTestKit}; the test decides what the network delivers (and
 * from whom), when timers fire and when compute jobs finish, and reads what the role sent.
 *
 * @param <T> the role's command type
 */
public final class ScriptedRuntime<T> {

  /** A message the role sent. */
  public record Sent(int to, Envelope envelope) {}

  private final int id;
  private final List<Sent> sent = new ArrayList<>();
  private final List<String> rejections = new ArrayList<>();
  private final Deque<Runnable> jobs = new ArrayDeque<>();
  private final Map<Object, Effect.TimerScheduled<T>> timers = new LinkedHashMap<>();
  private final BehaviorTestKit<T> kit;
  private ActorRef<Inbound> inbox;
  private double now;
  private long seq;

  /** Starts the role built by {@code role} on node {@code id}'s scripted ports, with nothing kept across a crash. */
  public ScriptedRuntime(int id, Function<NodePorts, Behavior<T>> role) {
    this(id, Storage.NONE, role);
  }

  /**
   * The same with {@code storage} as the node's durable storage: a test crashes the node by
   * dropping this runtime and restarts it by starting another on the same storage.
   */
  public ScriptedRuntime(int id, Storage storage, Function<NodePorts, Behavior<T>> role) {
    this.id = id;
    Network network = new Network() {
      @Override
      public void send(int to, Envelope.Builder message) {
        sent.add(new Sent(to, message.setSender(id).setSeq(++seq).build()));
      }

      @Override
      public void bind(ActorRef<Inbound> ref) {
        if (inbox != null) {
          throw new IllegalStateException("inbox bound twice");
        }
        inbox = ref;
      }

      @Override
      public void rejected(int from, String format, Object... args) {
        rejections.add(org.slf4j.helpers.MessageFormatter.arrayFormat(format, args).getMessage());
      }
    };
    Compute compute = new Compute() {
      @Override
      public <R> void submit(double flops, Callable<R> job, BiConsumer<R, Throwable> onDone) {
        jobs.add(() -> {
          R result;
          try {
            result = job.call();
          } catch (Exception | Error e) {
            onDone.accept(null, e);
            return;
          }
          onDone.accept(result, null);
        });
      }
    };
    this.kit = BehaviorTestKit.create(role.apply(new NodePorts(id, network, compute, () -> now, storage)));
    settle();
    if (inbox == null) {
      throw new IllegalStateException("the role did not bind its inbox during setup");
    }
  }

  /** The network delivers {@code envelope} as sent by node {@code from}. */
  public void deliver(int from, Envelope envelope) {
    inbox.tell(new Inbound(from, envelope));
    settle();
  }

  /** Sends {@code msg} to the role as its owner would (e.g. a start command). */
  public void tell(T msg) {
    kit.run(msg);
    settle();
  }

  /** Sends a runtime signal (e.g. a stop). */
  public void signal(Signal s) {
    kit.signal(s);
    settle();
  }

  /** Advances the clock the role reads (timers are fired explicitly with {@link #fire}). */
  public void advance(double seconds) {
    now += seconds;
  }

  /** Whether a timer under {@code key} is pending. */
  public boolean timerPending(Object key) {
    return timers.containsKey(key);
  }

  /** The keys of the pending timers, in the order they were (re)started. */
  public List<Object> pendingTimers() {
    return List.copyOf(timers.keySet());
  }

  /** Fires the pending timer under {@code key}; false when none is pending. */
  public boolean fire(Object key) {
    Effect.TimerScheduled<T> t = timers.remove(key);
    if (t == null) {
      return false;
    }
    kit.run(t.msg());
    settle();
    return true;
  }

  /** The message of the pending timer under {@code key}, for replaying it later (a stale timer). */
  public T timerMessage(Object key) {
    Effect.TimerScheduled<T> t = timers.get(key);
    return t == null ? null : t.msg();
  }

  /** Finishes every submitted compute job, in submission order (and those they lead to). */
  public int finishJobs() {
    int n = 0;
    while (!jobs.isEmpty()) {
      jobs.poll().run();
      settle();
      n++;
    }
    return n;
  }

  /** Finishes the most recently submitted job alone: an older job then finishes after a newer one. */
  public void finishNewestJob() {
    jobs.removeLast().run();
    settle();
  }

  /** Jobs submitted and not finished. */
  public int pendingJobs() {
    return jobs.size();
  }

  /** Takes (and forgets) what the role sent since the last call. */
  public List<Sent> takeSent() {
    List<Sent> out = List.copyOf(sent);
    sent.clear();
    return out;
  }

  /** Whether the role is still running. */
  public boolean alive() {
    return kit.isAlive();
  }

  /** The role's log lines so far, as "LEVEL message", then its rejections (as WARN lines). */
  public List<String> log() {
    List<String> out = new ArrayList<>();
    for (CapturedLogEvent e : kit.getAllLogEntries()) {
      out.add(e.level() + " " + e.message());
    }
    for (String r : rejections) {
      out.add("WARN " + r);
    }
    return out;
  }

  /** The messages the role rejected so far (what its port counted), in order. */
  public List<String> rejections() {
    return List.copyOf(rejections);
  }

  public int id() {
    return id;
  }

  /** Runs what the role sent itself (adapted network messages, job results) and records its timers. */
  @SuppressWarnings("unchecked")
  private void settle() {
    while (true) {
      for (Effect e : kit.getAllEffects()) {
        if (e instanceof Effect.TimerScheduled<?> t) {
          timers.put(t.key(), (Effect.TimerScheduled<T>) t);
        } else if (e instanceof Effect.TimerCancelled c) {
          timers.remove(c.key());
        }
      }
      if (!kit.isAlive() || !kit.selfInbox().hasMessages()) {
        return;
      }
      kit.runOne();
    }
  }
}
