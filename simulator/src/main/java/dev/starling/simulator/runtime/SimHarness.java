package dev.starling.simulator.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.node.runtime.MemoryStorage;
import dev.starling.node.runtime.NodePorts;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The deterministic simulated runtime: a Pekko actor system whose scheduler runs on virtual time,
 * node actors on an inline dispatcher (so a delivery runs the receiver's handler on the
 * driver thread, to completion, before the next event), a simulated network and a modelled
 * compute pool. {@link #runUntil} is the driver loop.
 */
public final class SimHarness implements AutoCloseable {

  private static final String DISPATCHER = "starling.simulator.node-dispatcher";

  private final ActorSystem<Object> system;
  private final EventQueue queue;
  private final SimNetwork network;
  private final SimCompute compute;

  public SimHarness(String name, int nodes, LinkModel links, DeviceModel devices, IntPredicate isServer,
      int computeThreads, long networkSeed) {
    Config cfg = ConfigFactory.parseString(String.join("\n",
            "pekko.scheduler.implementation = \"" + VirtualTimeScheduler.class.getName() + "\"",
            "pekko.loglevel = WARNING",
            "pekko.stdout-loglevel = WARNING",
            "pekko.log-dead-letters = off",
            "pekko.log-dead-letters-during-shutdown = off",
            "pekko.jvm-shutdown-hooks = off",
            "pekko.daemonic = on",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "pekko.actor.provider = local",
            // Node actors run inline on the thread that delivers to them (see InlineExecutorConfigurator).
            "starling.simulator.node-dispatcher { type = Dispatcher, throughput = 2147483647,",
            "  executor = \"" + InlineExecutorConfigurator.class.getName() + "\" }"))
        .withFallback(ConfigFactory.load());
    this.system = ActorSystem.create(spawner(), name.replaceAll("[^A-Za-z0-9-]", "-"), cfg);
    this.queue = ((VirtualTimeScheduler) system.classicSystem().scheduler()).queue();
    this.network = new SimNetwork(queue, links, nodes, isServer, networkSeed);
    this.compute = new SimCompute(queue, devices, computeThreads);
  }

  /** Node {@code id}'s ports; its storage is the same object across the node's restarts. */
  public NodePorts ports(int id) {
    return new NodePorts(id, network.forNode(id), compute.forNode(id), queue::nowSeconds,
        storages.computeIfAbsent(id, k -> new MemoryStorage()));
  }

  private IntPredicate onDemand = id -> false;
  private java.util.function.IntFunction<Behavior<?>> factory;
  private final java.util.BitSet dead = new java.util.BitSet();
  /** Set when the harness shuts down: events still drained then start no node (the system is going away). */
  private volatile boolean closing;

  /**
   * Nodes in {@code which} are started with {@code factory} when a message reaches one that is not
   * running, and a node of them that stops itself (passivates) is started afresh by the next
   * message to it; its storage stays. A simulation of a million clients then holds only those
   * in the current round. {@link #crash} of such a node, running or not, keeps it down.
   */
  public void spawnOnDemand(IntPredicate which, java.util.function.IntFunction<Behavior<?>> factory) {
    this.onDemand = which;
    this.factory = factory;
    network.wakeWith(id -> {
      if (closing || !onDemand.test(id) || dead.get(id) || refs.containsKey(id)) {
        return false;
      }
      spawnUnchecked(id, factory.apply(id));
      return true;
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void spawnUnchecked(int id, Behavior<?> behavior) {
    spawn(id, (Behavior) behavior);
  }

  /** A node started on demand stopped itself: drop what the harness held for it. */
  private void passivated(int id) {
    refs.remove(id);
    alive.remove(id);
    network.unbind(id);
    MemoryStorage st = storages.get(id);
    if (st != null && st.isEmpty()) {
      storages.remove(id);
    }
  }

  private final java.util.Map<Integer, MemoryStorage> storages = new java.util.HashMap<>();

  /** Asks the guardian to create a node; completes once the node's setup has run. */
  private record SpawnNode(String name, Behavior<?> behavior, CompletableFuture<ActorRef<?>> created) {}

  /** Asks the guardian to stop a node. */
  private record StopNode(ActorRef<?> node) {}

  /**
   * The guardian creates every node with {@code ctx.spawn} on the inline dispatcher: child
   * creation from inside an actor is synchronous, so the node's setup (where it binds its inbox)
   * has fully run, and the node is idle, when the future completes. Top-level creation from
   * outside ({@code systemActorOf}, classic {@code actorOf}) is asynchronous and would let a node's
   * first messages run on Pekko's thread instead of the driver's.
   */
  private static Behavior<Object> spawner() {
    return Behaviors.receive((ctx, msg) -> {
      if (msg instanceof StopNode stop) {
        ctx.stop(stop.node());
        return Behaviors.same();
      }
      SpawnNode spawn = (SpawnNode) msg;
      try {
        spawn.created().complete(ctx.spawn(spawn.behavior(), spawn.name(), DispatcherSelector.fromConfig(DISPATCHER)));
      } catch (RuntimeException e) {
        spawn.created().completeExceptionally(e);
      }
      return Behaviors.same();
    });
  }

  /** Starts a node actor; its setup has run (on a thread that then leaves it idle) when this returns. */
  @SuppressWarnings("unchecked")
  public <T> ActorRef<T> spawn(int id, Behavior<T> behavior) {
    if (refs.containsKey(id)) {
      throw new IllegalStateException("node " + id + " is running; crash it before starting it again");
    }
    CompletableFuture<ActorRef<?>> created = new CompletableFuture<>();
    String name = started.get(id) ? "node-" + id + "-" + (++restarts) : "node-" + id;
    started.set(id);
    dead.clear(id);
    java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
    system.tell(new SpawnNode(name, guarded(id, behavior, up), created));
    ActorRef<T> ref;
    try {
      ref = (ActorRef<T>) created.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting node " + id, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("node " + id + " failed to start: " + e.getMessage(), e);
    }
    if (!network.isBound(id)) {
      throw new IllegalStateException("node " + id + " did not bind its network inbox during setup");
    }
    refs.put(id, ref);
    alive.put(id, up);
    return ref;
  }

  private final java.util.Map<Integer, ActorRef<?>> refs = new java.util.HashMap<>();
  private final java.util.BitSet started = new java.util.BitSet();
  private long restarts;
  private final java.util.Map<Integer, java.util.concurrent.atomic.AtomicBoolean> alive = new java.util.HashMap<>();

  /**
   * Crashes node {@code id}: its actor stops with everything it held, messages to it are dropped
   * from now on, and the results of its compute jobs go nowhere. Its storage stays; start it
   * again with {@link #spawn}.
   */
  public void crash(int id) {
    ActorRef<?> ref = refs.remove(id);
    if (onDemand.test(id)) {
      dead.set(id);
      if (ref == null) {
        return; // passivated or never started: it stays down
      }
    }
    if (ref == null) {
      throw new IllegalStateException("node " + id + " is not running");
    }
    network.unbind(id);
    alive.remove(id).set(false); // from now on it handles nothing: late timers and job results are dropped
    system.tell(new StopNode(ref));
  }

  /** Node actors running now (started, not crashed, not passivated). */
  public int runningNodes() {
    return refs.size();
  }

  /** Whether node {@code id} runs (started and not crashed). */
  public boolean running(int id) {
    return refs.containsKey(id);
  }

  /** Sends {@code msg} to node {@code id} as if from outside (used to start nodes). */
  @SuppressWarnings("unchecked")
  public <T> void tell(int id, T msg) {
    ((ActorRef<T>) refs.get(id)).tell(msg);
  }

  /**
   * Wraps a node so that an exception in it aborts the run with that exception, instead of a
   * stall, and so that once crashed it handles nothing more (its stop is asynchronous; a crash is
   * not).
   */
  @SuppressWarnings("unchecked")
  private <T> Behavior<T> guarded(int id, Behavior<T> behavior, java.util.concurrent.atomic.AtomicBoolean up) {
    BehaviorInterceptor<T, T> catcher = new BehaviorInterceptor<>((Class<T>) (Class<?>) Object.class) {
      @Override
      public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
        if (!up.get()) {
          return Behaviors.same();
        }
        try {
          Behavior<T> next = target.apply(ctx, msg);
          if (!Behavior.isAlive(next) && onDemand.test(id)) {
            up.set(false);
            passivated(id);
          }
          return next;
        } catch (RuntimeException | Error e) {
          crash.compareAndSet(null, new NodeCrash(id, e));
          throw e;
        }
      }
    };
    return Behaviors.intercept(() -> catcher, behavior);
  }

  /** A node actor threw: the simulation cannot be trusted to go on. */
  public static final class NodeCrash extends RuntimeException {
    NodeCrash(int id, Throwable cause) {
      super("node " + id + " crashed: " + cause, cause);
    }
  }

  private final AtomicReference<NodeCrash> crash = new AtomicReference<>();

  /**
   * Runs events until {@code done} holds.
   *
   * @throws IllegalStateException when no event is left before {@code done} (a stalled protocol)
   */
  public void runUntil(BooleanSupplier done) {
    while (!done.getAsBoolean()) {
      if (crash.get() != null) {
        throw crash.get();
      }
      if (!queue.runNext()) {
        if (crash.get() != null) {
          throw crash.get();
        }
        throw new IllegalStateException(String.format(java.util.Locale.ROOT,
            "simulation stalled at virtual time %.3f s: nothing left to happen (set server.deadline-s so rounds cannot wait forever)",
            queue.nowSeconds()));
      }
    }
  }

  public EventQueue queue() {
    return queue;
  }

  public SimNetwork network() {
    return network;
  }

  public SimCompute compute() {
    return compute;
  }

  @Override
  public void close() {
    closing = true;
    compute.close();
    system.terminate();
    // Shutdown waits on timers of its own; on virtual time they fire only when the clock advances.
    var terminated = system.getWhenTerminated().toCompletableFuture();
    for (int i = 0; i < 100_000 && !terminated.isDone() && queue.runNext(); i++) {
      Thread.onSpinWait();
    }
    try {
      terminated.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Results are already written; the system's threads are daemons and cannot hold the JVM.
    }
  }

}
