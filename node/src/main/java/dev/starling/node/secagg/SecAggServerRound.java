package dev.starling.node.secagg;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.SecAggKeys;
import dev.starling.node.wire.proto.SecAggPeer;
import dev.starling.node.wire.proto.SecAggReveal;
import dev.starling.node.wire.proto.SecAggRoster;
import dev.starling.node.wire.proto.SecAggSealed;
import dev.starling.node.wire.proto.SecAggShare;
import dev.starling.node.wire.proto.SecAggShares;
import dev.starling.node.wire.proto.SecAggUnmask;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The server's side of one SecAgg+ round attempt, without any transport. It collects keys (U1),
 * links U1 in a random k-regular graph and hands each client its neighbours, routes the sealed
 * shares of those who shared (U2), collects masked vectors (U3), asks the survivors for the
 * self-mask shares of U3 and the mask-key shares of U2 \ U3, and then removes every mask from the
 * sum. An honest-but-curious server learns the sum of U3's vectors and nothing else: for each
 * client it obtains either shares of its self mask or of its mask key, never both.
 */
public final class SecAggServerRound {

  /** The protocol's parameters: graph degree k, Shamir threshold t, modulus bits b. */
  public record Params(int neighbours, int threshold, int modulusBits) {
    public Params {
      if (neighbours < 2 || threshold < 1 || threshold > neighbours || modulusBits < 1 || modulusBits > 64) {
        throw new IllegalArgumentException("secagg needs neighbours >= 2, 1 <= threshold <= neighbours and 1..64 modulus"
            + " bits, got " + neighbours + ", " + threshold + ", " + modulusBits);
      }
    }
  }

  private final int round;
  private final int attempt;
  private final Params params;
  private final Set<Integer> invited;
  private final SortedMap<Integer, SecAggKeys> keys = new TreeMap<>();
  private final SortedMap<Integer, SortedSet<Integer>> graph = new TreeMap<>();
  private final SortedMap<Integer, SecAggShares> shares = new TreeMap<>();
  private final SortedMap<Integer, long[]> masked = new TreeMap<>();
  private SortedSet<Integer> survivors;
  private SortedSet<Integer> dropped;
  private final Set<Integer> revealedBy = new TreeSet<>();
  private final SortedMap<Integer, List<Shamir.Share>> selfShares = new TreeMap<>();
  private final SortedMap<Integer, List<Shamir.Share>> keyShares = new TreeMap<>();
  private int threshold;

  public SecAggServerRound(int round, int attempt, Params params, Set<Integer> invited) {
    this.round = round;
    this.attempt = attempt;
    this.params = params;
    this.invited = Set.copyOf(invited);
  }

  public int round() {
    return round;
  }

  public int attempt() {
    return attempt;
  }

  /** Stage 0: a client's public keys, once, from an invited client, both valid X25519 keys. */
  public void onKeys(int from, SecAggKeys k) {
    if (!graph.isEmpty() || !invited.contains(from) || keys.containsKey(from)) {
      throw new InvalidMessageException("keys from node " + from + " that was not invited, sent twice or too late");
    }
    SecAggCrypto.publicKey(k.getCipherKey().toByteArray());
    SecAggCrypto.publicKey(k.getMaskKey().toByteArray());
    keys.put(from, k);
  }

  public int keysReceived() {
    return keys.size();
  }

  /**
   * Closes stage 0: links U1 in a random Harary graph (the clients in a random cyclic order, each
   * joined to the k/2 nearest on either side; everyone to everyone when k >= |U1| - 1), and
   * returns each client's roster. The threshold is at most the degree. Null when |U1| < 2.
   */
  public SortedMap<Integer, SecAggRoster> rosters(UniformRandomProvider rng) {
    List<Integer> order = new ArrayList<>(keys.keySet());
    int n = order.size();
    if (n < 2) {
      return null;
    }
    for (int i = n - 1; i > 0; i--) {
      Collections.swap(order, i, rng.nextInt(i + 1));
    }
    for (int u : order) {
      graph.put(u, new TreeSet<>());
    }
    if (params.neighbours() >= n - 1) {
      for (int u : order) {
        for (int v : order) {
          if (u != v) {
            graph.get(u).add(v);
          }
        }
      }
    } else {
      int half = (params.neighbours() + 1) / 2;
      for (int i = 0; i < n; i++) {
        for (int d = 1; d <= half; d++) {
          int u = order.get(i);
          int v = order.get((i + d) % n);
          graph.get(u).add(v);
          graph.get(v).add(u);
        }
      }
    }
    int degree = graph.values().stream().mapToInt(Set::size).min().orElse(0);
    threshold = Math.min(params.threshold(), degree);
    SortedMap<Integer, SecAggRoster> out = new TreeMap<>();
    for (var e : graph.entrySet()) {
      SecAggRoster.Builder r = SecAggRoster.newBuilder().setRound(round).setAttempt(attempt).setThreshold(threshold)
          .setModulusBits(params.modulusBits());
      for (int v : e.getValue()) {
        SecAggKeys k = keys.get(v);
        r.addNeighbours(SecAggPeer.newBuilder().setNode(v).setCipherKey(k.getCipherKey()).setMaskKey(k.getMaskKey()));
      }
      out.put(e.getKey(), r.build());
    }
    return out;
  }

  /** Stage 1: a client's sealed shares, exactly one for each of its neighbours. */
  public void onShares(int from, SecAggShares s) {
    SortedSet<Integer> nb = graph.get(from);
    if (nb == null || shares.containsKey(from) || !masked.isEmpty()) {
      throw new InvalidMessageException("shares from node " + from + " that has no roster, sent twice or too late");
    }
    Set<Integer> targets = new TreeSet<>();
    for (SecAggSealed x : s.getSealedList()) {
      if (!nb.contains(x.getNode()) || !targets.add(x.getNode())) {
        throw new InvalidMessageException("shares from node " + from + " for node " + Integer.toUnsignedString(x.getNode())
            + ", not its neighbour or repeated");
      }
    }
    if (targets.size() != nb.size()) {
      throw new InvalidMessageException("node " + from + " sealed shares for " + targets.size() + " of its " + nb.size()
          + " neighbours");
    }
    shares.put(from, s);
  }

  public int sharesReceived() {
    return shares.size();
  }

  /** Closes stage 1: for each client of U2, the shares sealed for it by its neighbours in U2. */
  public SortedMap<Integer, SecAggShares> forwards() {
    SortedMap<Integer, SecAggShares.Builder> out = new TreeMap<>();
    for (int v : shares.keySet()) {
      out.put(v, SecAggShares.newBuilder().setRound(round).setAttempt(attempt));
    }
    for (var e : shares.entrySet()) {
      for (SecAggSealed x : e.getValue().getSealedList()) {
        SecAggShares.Builder b = out.get(x.getNode());
        if (b != null) {
          b.addSealed(SecAggSealed.newBuilder().setNode(e.getKey()).setCiphertext(x.getCiphertext()));
        }
      }
    }
    SortedMap<Integer, SecAggShares> built = new TreeMap<>();
    out.forEach((k, b) -> built.put(k, b.build()));
    return built;
  }

  /** Whether {@code from} shared in time (is in U2). */
  public boolean shared(int from) {
    return shares.containsKey(from);
  }

  /** Stage 2: a masked vector from a client of U2, once, with every element below 2^b. */
  public void onMasked(int from, long[] y) {
    if (!shares.containsKey(from) || masked.containsKey(from) || survivors != null) {
      throw new InvalidMessageException("masked vector from node " + from + " that did not share, sent twice or too late");
    }
    if (!masked.isEmpty() && masked.values().iterator().next().length != y.length) {
      throw new InvalidMessageException("masked vector of length " + y.length + " from node " + from);
    }
    masked.put(from, y);
  }

  public Set<Integer> maskedFrom() {
    return Collections.unmodifiableSet(masked.keySet());
  }

  /**
   * Closes stage 2 with the given survivors (a subset of those whose vectors came; the others are
   * dropped) and returns each survivor's unmask request, restricted to its neighbourhood.
   */
  public SortedMap<Integer, SecAggUnmask> unmask(Set<Integer> keep) {
    survivors = new TreeSet<>(keep);
    if (!masked.keySet().containsAll(survivors) || survivors.isEmpty()) {
      throw new IllegalArgumentException("survivors " + survivors + " must be a non-empty subset of " + masked.keySet());
    }
    masked.keySet().retainAll(survivors);
    dropped = new TreeSet<>(shares.keySet());
    dropped.removeAll(survivors);
    SortedMap<Integer, SecAggUnmask> out = new TreeMap<>();
    for (int u : survivors) {
      SecAggUnmask.Builder b = SecAggUnmask.newBuilder().setRound(round).setAttempt(attempt);
      for (int v : graph.get(u)) {
        if (survivors.contains(v)) {
          b.addSurvivors(v);
        } else if (dropped.contains(v)) {
          b.addDropped(v);
        }
      }
      b.addSurvivors(u);
      out.put(u, b.build());
    }
    return out;
  }

  /** Stage 3: a survivor's shares, checked against what it was asked (owner, kind, point). */
  public void onReveal(int from, SecAggReveal r) {
    if (survivors == null || !survivors.contains(from) || !revealedBy.add(from)) {
      throw new InvalidMessageException("reveal from node " + from + " that is no survivor, or sent twice");
    }
    SortedSet<Integer> nb = graph.get(from);
    Set<Integer> owners = new TreeSet<>();
    List<Object[]> accepted = new ArrayList<>();
    for (SecAggShare s : r.getSharesList()) {
      int owner = s.getOwner();
      boolean asked = nb.contains(owner) && shares.containsKey(owner)
          && (s.getSelfMask() ? survivors.contains(owner) : dropped.contains(owner));
      if (!asked || !owners.add(owner) || s.getX() != from + 1) {
        throw new InvalidMessageException("reveal from node " + from + " with a share of node "
            + Integer.toUnsignedString(owner) + " it was not asked for (or at point " + Integer.toUnsignedString(s.getX())
            + ")");
      }
      accepted.add(new Object[] {owner, s.getSelfMask(), Shamir.Share.of(s.getX(), s.getY().toByteArray())});
    }
    for (Object[] a : accepted) {
      (((Boolean) a[1]) ? selfShares : keyShares).computeIfAbsent((Integer) a[0], k -> new ArrayList<>())
          .add((Shamir.Share) a[2]);
    }
  }

  /** Whether every survivor's self mask and every dropped neighbour's mask key can be rebuilt. */
  public boolean recoverable() {
    if (survivors == null) {
      return false;
    }
    for (int u : survivors) {
      if (selfShares.getOrDefault(u, List.of()).size() < threshold) {
        return false;
      }
    }
    for (int v : droppedWithSurvivingNeighbours()) {
      if (keyShares.getOrDefault(v, List.of()).size() < threshold) {
        return false;
      }
    }
    return true;
  }

  private SortedSet<Integer> droppedWithSurvivingNeighbours() {
    SortedSet<Integer> out = new TreeSet<>();
    for (int v : dropped) {
      for (int u : graph.get(v)) {
        if (survivors.contains(u)) {
          out.add(v);
          break;
        }
      }
    }
    return out;
  }

  public SortedSet<Integer> survivors() {
    return Collections.unmodifiableSortedSet(survivors);
  }

  /**
   * The sum of the survivors' inputs modulo 2^b: their masked vectors, less their self masks,
   * less the pairwise masks they share with dropped neighbours (rebuilt from those neighbours'
   * recovered mask keys).
   */
  public long[] sum() {
    if (!recoverable()) {
      throw new IllegalStateException("not enough shares to unmask");
    }
    int d = masked.values().iterator().next().length;
    long[] acc = new long[d];
    for (long[] y : masked.values()) {
      for (int i = 0; i < d; i++) {
        acc[i] += y[i];
      }
    }
    for (int u : survivors) {
      SecAggCrypto.addMask(acc, Shamir.combine(selfShares.get(u), threshold), -1);
    }
    for (int v : droppedWithSurvivingNeighbours()) {
      PrivateKey sk = SecAggCrypto.privateKey(Shamir.combine(keyShares.get(v), threshold));
      for (int u : graph.get(v)) {
        if (survivors.contains(u)) {
          PublicKey pk = SecAggCrypto.publicKey(keys.get(u).getMaskKey().toByteArray());
          byte[] seed = SecAggCrypto.agree(sk, pk, SecAggClientRound.MASK_LABEL);
          SecAggCrypto.addMask(acc, seed, u < v ? -1 : 1); // u added +PRG when u < v
        }
      }
    }
    Packing.reduce(acc, params.modulusBits());
    return acc;
  }

  /** Every node whose self-mask shares and every node whose mask-key shares the server holds (for tests). */
  Map<String, Set<Integer>> learned() {
    return Map.of("self", Set.copyOf(selfShares.keySet()), "key", Set.copyOf(keyShares.keySet()));
  }
}
