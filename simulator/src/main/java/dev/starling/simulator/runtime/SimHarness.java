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
    if (!plan.local(id)) {
      throw new IllegalStateException("node " + id + " is on shard " + plan.owner(id) + "; start it with start(id)");
    }
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
    if (!plan.local(id)) {
      dispatch(plan.owner(id), new Shards.Crash(id, queue.nowNanos()));
      return;
    }
    here(() -> crashHere(id));
  }

  private void crashHere(int id) {
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

    NodeCrash(String message) {
      super(message);
    }
  }

  private final AtomicReference<NodeCrash> crash = new AtomicReference<>();

  /**
   * Runs events until {@code done} holds.
   *
   * @throws IllegalStateException when no event is left before {@code done} (a stalled protocol)
   */
  public void runUntil(BooleanSupplier done) {
    while (true) {
      if (!inFlight.isEmpty()) {
        // Commands of this instant are out: send the next one too if it is another shard
        // command due now; anything else waits until their replies are applied, in order.
        EventQueue.Handle next = queue.peek();
        if (next == null || next.shard() < 0 || next.timeNanos() != queue.nowNanos()) {
          drain(() -> done.getAsBoolean() || crash.get() != null);
          if (!inFlight.isEmpty()) {
            // The drain stopped early: a reply it applied ended the run or failed it. The rest
            // stay unapplied, as those events would not have run yet in one JVM.
            if (crash.get() != null) {
              throw crash.get();
            }
            return;
          }
          continue;
        }
      } else if (done.getAsBoolean()) {
        return;
      }
      if (crash.get() != null) {
        throw crash.get();
      }
      EventQueue.Handle next = queue.pollNext();
      if (next != null) {
        pipelining = links != null && next.shard() >= 0;
        try {
          EventQueue.run(next);
        } finally {
          pipelining = false;
        }
      } else {
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

  // ---- Sharding (see Shards): the coordinator's side, then a shard's.

  private Shards.Plan plan = new Shards.Plan(1, 0);
  private java.util.List<Shards.Link> links;
  private java.util.function.IntFunction<Behavior<?>> nodes;
  /** The coordinator's handles of shards' actions, by {@link #remoteKey}. */
  private final java.util.Map<Long, EventQueue.Handle> remote = new java.util.HashMap<>();
  private Shards.Counters shardCounters;
  private long shardCommands;
  private long shardCommandsOverlapped;

  /** Commands sent while others of the same instant were still out (not waiting for them). */
  public long shardCommandsOverlapped() {
    return shardCommandsOverlapped;
  }
  private long shardWaitNanos;

  /** Wall-clock seconds this coordinator waited for its shards' replies, for the summary. */
  public double shardWaitSeconds() {
    return shardWaitNanos / 1e9;
  }

  /** Commands this coordinator has sent to its shards (each one round trip), for the summary. */
  public long shardCommands() {
    return shardCommands;
  }

  /** Set once every shard has had Finish. */
  private boolean shardsEnded;

  /** How {@link #start} (and a shard's {@link Shards.Start}) builds node {@code id}. */
  public void nodes(java.util.function.IntFunction<Behavior<?>> factory) {
    this.nodes = factory;
  }

  private java.util.function.IntFunction<Object> signals = k -> {
    throw new IllegalStateException("no signals registered (signal " + k + ")");
  };
  private java.util.function.Consumer<byte[]> notes = d -> {
    throw new IllegalStateException("a shard reported a note and nothing reads notes");
  };

  /** What {@link #signal} tells a node for each signal number (the same mapping on every shard). */
  public void signals(java.util.function.IntFunction<Object> messages) {
    this.signals = messages;
  }

  /** Tells node {@code id}, here or on its shard, the message {@link #signals} maps {@code signal} to. */
  public void signal(int id, int signal) {
    if (plan.local(id)) {
      here(() -> tell(id, signals.apply(signal)));
    } else {
      dispatch(plan.owner(id), new Shards.Tell(id, signal, queue.nowNanos()));
    }
  }

  /**
   * On a shard: reports {@code data} (what a node told the run, e.g. its round's model) to the
   * coordinator, which hands it to its {@link #onNotes} handler in the place it has among the
   * command's effects, so the run sees it exactly when one JVM would.
   */
  public void note(byte[] data) {
    if (plan.self() == 0) {
      throw new IllegalStateException("note() is for shards; the coordinator's nodes report directly");
    }
    synchronized (effects) {
      effects.add(new Shards.Note(data.clone()));
    }
  }

  /** On the coordinator: what reads the shards' {@link #note}s. */
  public void onNotes(java.util.function.Consumer<byte[]> handler) {
    this.notes = handler;
  }

  /**
   * Runs {@code starts}, a loop of {@link #start}, {@link #signal} and {@link #crash} calls at one
   * instant (a run's setup), sending the commands for shards' nodes without waiting for each
   * reply: a call for a node here first applies the replies still out, in order, so the run is
   * the one of the calls made one by one.
   */
  public void batch(Runnable starts) {
    if (links == null) {
      starts.run();
      return;
    }
    pipelining = true;
    try {
      starts.run();
    } finally {
      pipelining = false;
    }
    drain(() -> false);
  }

  /** Runs {@code action} on this JVM's nodes after the replies still out are applied, and not as part of a batch. */
  private void here(Runnable action) {
    drain(() -> false);
    boolean batched = pipelining;
    pipelining = false;
    try {
      action.run();
    } finally {
      pipelining = batched;
    }
  }

  /** Starts node {@code id} with the {@link #nodes} factory, here or on its shard. */
  public void start(int id) {
    if (plan.local(id)) {
      here(() -> spawnUnchecked(id, nodes.apply(id)));
    } else {
      dispatch(plan.owner(id), new Shards.Start(id, queue.nowNanos()));
    }
  }

  /** This harness's place in a sharded run (one shard of one when not sharded). */
  public Shards.Plan plan() {
    return plan;
  }

  /**
   * Makes this harness the coordinator of a sharded run ({@code plan.self()} is 0): the nodes
   * {@code plan} places elsewhere run on their shards, reached through {@code links} (the entry
   * at index 0 is unused). Every event still runs from this harness's agenda, in the order one
   * JVM runs them.
   */
  public void coordinate(Shards.Plan plan, java.util.List<Shards.Link> links) {
    if (plan.self() != 0 || links.size() != plan.count()) {
      throw new IllegalArgumentException("the coordinator is shard 0 and needs a link per shard");
    }
    this.plan = plan;
    this.links = links;
    network.remoteShards(to -> plan.local(to) ? -1 : plan.owner(to));
    network.deliverThrough((to, from, env) -> {
      if (plan.local(to)) {
        return false;
      }
      dispatch(plan.owner(to), new Shards.Deliver(to, env, queue.nowNanos()));
      return true;
    });
  }

  private long remoteKey(int shard, long action) {
    return action * plan.count() + shard;
  }

  /** A command sent to a shard whose reply is not applied yet. */
  private record InFlight(int shard, Shards.Command command, Shards.Pending reply) {}

  private final java.util.ArrayDeque<InFlight> inFlight = new java.util.ArrayDeque<>();
  /** Set while the driver runs an action that only commands a shard, so that its command need not wait. */
  private boolean pipelining;
  private boolean draining;

  /**
   * Has {@code shard} run {@code command} and applies what it reports, in its order. Inside an
   * action of the current instant's window ({@link #runUntil}) it only sends the command; the
   * reply is applied by {@link #drain}. Otherwise the replies still out are applied first.
   */
  private void dispatch(int shard, Shards.Command command) {
    if (shardsEnded) {
      return; // the run is over: what is drained at close starts nothing on the shards
    }
    shardCommands++;
    if (pipelining) {
      if (!inFlight.isEmpty()) {
        shardCommandsOverlapped++;
      }
      inFlight.add(new InFlight(shard, command, links.get(shard).submit(command)));
      return;
    }
    if (draining && !inFlight.isEmpty()) {
      // Later commands of this instant have run on their shards already: this one cannot come
      // before them, as it would in one JVM.
      throw new IllegalStateException("a shard's report made the run command node(s) at once; schedule that as an event");
    }
    drain(() -> false);
    long t0 = System.nanoTime();
    Shards.Reply reply = links.get(shard).call(command);
    shardWaitNanos += System.nanoTime() - t0;
    apply(shard, command, reply);
  }

  /**
   * Applies the replies of the commands still out, in the order they were sent, until
   * {@code stop} holds (the driver's: the run is done, or failed): then the rest stay for a later
   * drain. Any other drain applies them all, so that the next reply awaited is its own call's.
   */
  private void drain(BooleanSupplier stop) {
    while (!inFlight.isEmpty() && !stop.getAsBoolean()) {
      InFlight f = inFlight.poll();
      long t0 = System.nanoTime();
      Shards.Reply reply = f.reply().await();
      shardWaitNanos += System.nanoTime() - t0;
      draining = true;
      try {
        apply(f.shard(), f.command(), reply);
      } finally {
        draining = false;
      }
    }
  }

  private void apply(int shard, Shards.Command command, Shards.Reply reply) {
    network.addRejected(reply.rejected());
    for (Shards.Effect e : reply.effects()) {
      if (e instanceof Shards.Insert in) {
        long key = remoteKey(shard, in.action());
        remote.put(key, queue.after(in.delayNanos(), shard, () -> {
          remote.remove(key);
          dispatch(shard, new Shards.Run(in.action(), queue.nowNanos()));
        }));
      } else if (e instanceof Shards.Cancel c) {
        EventQueue.Handle h = remote.remove(remoteKey(shard, c.action()));
        if (h != null) {
          h.cancel();
        }
      } else if (e instanceof Shards.Send send) {
        int from = send.envelope().getSender();
        if (plan.owner(from) != shard) {
          throw new IllegalStateException("shard " + shard + " sent as node " + from + ", which is shard " + plan.owner(from) + "'s");
        }
        network.route(from, send.to(), send.envelope());
      } else if (e instanceof Shards.Note note) {
        notes.accept(note.data());
      }
    }
    if (reply.failure() != null) {
      crash.compareAndSet(null, new NodeCrash("shard " + shard + ": " + reply.failure()));
    }
    if (command instanceof Shards.Finish) {
      Shards.Counters c = reply.counters();
      Shards.Counters sum = shardCounters == null ? Shards.Counters.NONE : shardCounters;
      shardCounters = new Shards.Counters(sum.busySeconds() + c.busySeconds(),
          sum.trainingBusySeconds() + c.trainingBusySeconds(), sum.jobs() + c.jobs());
    }
  }

  /**
   * The run's compute counters: this JVM's plus, on a coordinator, every shard's (which ends the
   * shards: ask once, at the end of the run).
   */
  public Shards.Counters counters() {
    if (links != null && shardCounters == null) {
      shardCounters = Shards.Counters.NONE;
      for (int s = 1; s < plan.count(); s++) {
        try {
          dispatch(s, new Shards.Finish(queue.nowNanos()));
        } catch (RuntimeException gone) {
          // a shard that failed the run is gone: it has no counters to add
        }
      }
      shardsEnded = true;
    }
    Shards.Counters sh = shardCounters == null ? Shards.Counters.NONE : shardCounters;
    return new Shards.Counters(compute.busySeconds() + sh.busySeconds(),
        compute.trainingBusySeconds() + sh.trainingBusySeconds(), compute.jobsRun() + sh.jobs());
  }

  private final java.util.List<Shards.Effect> effects = new java.util.ArrayList<>();

  /**
   * Makes this harness shard {@code plan.self()} (not 0) of a sharded run and returns how the
   * coordinator's commands reach it. From now on nothing here runs by itself: what the nodes
   * schedule or send is reported to the coordinator, which decides when it happens.
   */
  public Shards.Link serve(Shards.Plan plan) {
    if (plan.self() == 0) {
      throw new IllegalArgumentException("shard 0 is the coordinator");
    }
    this.plan = plan;
    queue.delegateTo(new EventQueue.Agenda() {
      @Override
      public void inserted(long delayNanos, long id) {
        synchronized (effects) {
          effects.add(new Shards.Insert(delayNanos, id));
        }
      }

      @Override
      public void cancelled(long id) {
        queue.forget(id);
        synchronized (effects) {
          effects.add(new Shards.Cancel(id));
        }
      }
    });
    network.sendThrough((to, env) -> {
      synchronized (effects) {
        effects.add(new Shards.Send(to, env));
      }
    });
    return this::handle;
  }

  private synchronized Shards.Reply handle(Shards.Command command) {
    long rejectedBefore = network.rejected();
    String failure = null;
    try {
      if (command instanceof Shards.Run r) {
        queue.runHeld(r.action(), r.timeNanos());
      } else {
        queue.advanceTo(command.timeNanos());
        if (command instanceof Shards.Deliver d) {
          if (!plan.local(d.to())) {
            throw new IllegalStateException("node " + d.to() + " is not on shard " + plan.self());
          }
          network.deliver(d.to(), d.envelope().getSender(), d.envelope());
        } else if (command instanceof Shards.Start st) {
          start(st.node());
        } else if (command instanceof Shards.Crash c) {
          crash(c.node());
        } else if (command instanceof Shards.Tell t) {
          if (!plan.local(t.node())) {
            throw new IllegalStateException("node " + t.node() + " is not on shard " + plan.self());
          }
          tell(t.node(), signals.apply(t.signal()));
        }
      }
    } catch (RuntimeException | Error e) {
      failure = e.toString();
    }
    if (failure == null && crash.get() != null) {
      failure = crash.get().getMessage();
    }
    java.util.List<Shards.Effect> out;
    synchronized (effects) {
      out = java.util.List.copyOf(effects);
      effects.clear();
    }
    Shards.Counters counters = command instanceof Shards.Finish
        ? new Shards.Counters(compute.busySeconds(), compute.trainingBusySeconds(), compute.jobsRun()) : Shards.Counters.NONE;
    return new Shards.Reply(out, network.rejected() - rejectedBefore, failure, counters);
  }

  public SimNetwork network() {
    return network;
  }

  public SimCompute compute() {
    return compute;
  }

  private final java.util.List<AutoCloseable> alsoClose = new java.util.ArrayList<>();

  /** Closes {@code resource} after this harness (a coordinator's transport and shard processes). */
  public void closeWith(AutoCloseable resource) {
    alsoClose.add(resource);
  }

  @Override
  public void close() {
    try {
      closeHarness();
    } finally {
      for (AutoCloseable c : alsoClose) {
        try {
          c.close();
        } catch (Exception e) {
          // results are written; what is left is cleanup
        }
      }
    }
  }

  private void closeHarness() {
    if (links != null && shardCounters == null) {
      try {
        counters(); // ends the shards
      } catch (RuntimeException e) {
        // a shard that is gone already ended
      }
    }
    closing = true;
    queue.delegateTo(null); // a shard's own shutdown timers run here
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
