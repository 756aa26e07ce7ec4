package dev.starling.node.secagg;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.SecAggKeys;
import dev.starling.node.wire.proto.SecAggPeer;
import dev.starling.node.wire.proto.SecAggReveal;
import dev.starling.node.wire.proto.SecAggRoster;
import dev.starling.node.wire.proto.SecAggSealed;
import dev.starling.node.wire.proto.SecAggShare;
import dev.starling.node.wire.proto.SecAggShares;
import dev.starling.node.wire.proto.SecAggUnmask;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One client's side of one SecAgg+ round attempt (Bell et al. 2020), without any transport:
 * advertise two fresh X25519 keys; on the roster of its neighbours, share its self-mask seed and
 * its mask key t-of-k among them, sealed for each; keep the shares its neighbours sealed for it;
 * mask its integer vector with its self mask and one pairwise mask per neighbour that shared;
 * then, asked once, reveal for each neighbour either its self-mask share (it survived) or its
 * mask-key share (it dropped), never both.
 */
public final class SecAggClientRound {

  /** Labels of the two keys derived from every agreed secret. */
  static final String MASK_LABEL = "starling-secagg-mask";
  static final String SEAL_LABEL = "starling-secagg-seal";

  private final int self;
  private final int round;
  private final int attempt;
  private final SecureRandom rnd;
  private final KeyPair cipher;
  private final KeyPair mask;
  private final SortedMap<Integer, SecAggPeer> neighbours = new TreeMap<>();
  private final SortedMap<Integer, byte[][]> held = new TreeMap<>(); // neighbour -> {self-mask share, mask-key share}
  private byte[] selfSeed;
  private int bits;
  private int threshold;
  private boolean forwarded;
  private boolean revealed;

  public SecAggClientRound(int self, int round, int attempt, SecureRandom rnd) {
    this.self = self;
    this.round = round;
    this.attempt = attempt;
    this.rnd = rnd;
    this.cipher = SecAggCrypto.keyPair(rnd);
    this.mask = SecAggCrypto.keyPair(rnd);
  }

  public int round() {
    return round;
  }

  public int attempt() {
    return attempt;
  }

  /** Stage 0: the public keys to advertise. */
  public SecAggKeys keys() {
    return SecAggKeys.newBuilder().setRound(round).setAttempt(attempt)
        .setCipherKey(ByteString.copyFrom(SecAggCrypto.raw(cipher.getPublic())))
        .setMaskKey(ByteString.copyFrom(SecAggCrypto.raw(mask.getPublic()))).build();
  }

  /** Whether the roster has come (and the shares went out). */
  public boolean shared() {
    return selfSeed != null;
  }

  /** Whether the neighbours' shares have come: the client may now mask. */
  public boolean readyToMask() {
    return forwarded;
  }

  /** Modulus bits of the sum, from the roster. */
  public int modulusBits() {
    return bits;
  }

  /**
   * Stage 1: validates the roster, draws the self-mask seed and returns its shares and the mask
   * key's, one sealed pair per neighbour (the share point of neighbour v is v + 1).
   */
  public SecAggShares onRoster(SecAggRoster r) {
    if (selfSeed != null) {
      throw new InvalidMessageException("a second roster for round " + round + " attempt " + attempt);
    }
    int k = r.getNeighboursCount();
    if (k < 1 || r.getThreshold() < 1 || r.getThreshold() > k) {
      throw new InvalidMessageException("roster with " + k + " neighbours and threshold "
          + Integer.toUnsignedString(r.getThreshold()) + " (need 1 <= threshold <= neighbours)");
    }
    if (r.getModulusBits() < 1 || r.getModulusBits() > 64) {
      throw new InvalidMessageException("roster with modulus bits " + Integer.toUnsignedString(r.getModulusBits())
          + " (allowed 1..64)");
    }
    Set<ByteString> keysSeen = new HashSet<>();
    for (SecAggPeer p : r.getNeighboursList()) {
      if (p.getNode() == self || p.getNode() < 0 || p.getNode() == Integer.MAX_VALUE || neighbours.containsKey(p.getNode())) {
        throw new InvalidMessageException("roster lists node " + Integer.toUnsignedString(p.getNode())
            + " twice or as its own neighbour");
      }
      SecAggCrypto.publicKey(p.getCipherKey().toByteArray());
      SecAggCrypto.publicKey(p.getMaskKey().toByteArray());
      if (!keysSeen.add(p.getMaskKey()) || !keysSeen.add(p.getCipherKey())) {
        throw new InvalidMessageException("roster repeats a public key");
      }
      neighbours.put(p.getNode(), p);
    }
    bits = r.getModulusBits();
    threshold = r.getThreshold();
    selfSeed = new byte[32];
    rnd.nextBytes(selfSeed);
    byte[] maskScalar = SecAggCrypto.scalar(mask.getPrivate());
    // Neighbour v gets the shares at point v + 1.
    int[] points = neighbours.keySet().stream().mapToInt(v -> v + 1).toArray();
    Shamir.Share[] b = Shamir.split(selfSeed, points, threshold, rnd);
    Shamir.Share[] s = Shamir.split(maskScalar, points, threshold, rnd);
    SecAggShares.Builder out = SecAggShares.newBuilder().setRound(round).setAttempt(attempt);
    int at = 0;
    for (SecAggPeer p : neighbours.values()) {
      int v = p.getNode();
      int i = at++;
      byte[] plain = new byte[2 * Shamir.SHARE_BYTES];
      System.arraycopy(b[i].yBytes(), 0, plain, 0, Shamir.SHARE_BYTES);
      System.arraycopy(s[i].yBytes(), 0, plain, Shamir.SHARE_BYTES, Shamir.SHARE_BYTES);
      byte[] key = SecAggCrypto.agree(cipher.getPrivate(), SecAggCrypto.publicKey(p.getCipherKey().toByteArray()),
          SEAL_LABEL);
      out.addSealed(SecAggSealed.newBuilder().setNode(v)
          .setCiphertext(ByteString.copyFrom(SecAggCrypto.seal(key, self, v, round, attempt, plain))));
    }
    return out.build();
  }

  /** Stage 2: the shares the neighbours sealed for this client; those who sent are the ones it masks with. */
  public void onForward(SecAggShares f) {
    if (selfSeed == null || forwarded) {
      throw new InvalidMessageException("forwarded shares " + (forwarded ? "twice" : "before the roster"));
    }
    SortedMap<Integer, byte[][]> got = new TreeMap<>();
    for (SecAggSealed s : f.getSealedList()) {
      SecAggPeer p = neighbours.get(s.getNode());
      if (p == null || got.containsKey(s.getNode())) {
        throw new InvalidMessageException("forwarded share from node " + Integer.toUnsignedString(s.getNode())
            + ", not a neighbour or repeated");
      }
      if (s.getCiphertext().size() != 2 * Shamir.SHARE_BYTES + 16) {
        throw new InvalidMessageException("a sealed share from node " + s.getNode() + " of " + s.getCiphertext().size()
            + " bytes (expected " + (2 * Shamir.SHARE_BYTES + 16) + ")");
      }
      byte[] key = SecAggCrypto.agree(cipher.getPrivate(), SecAggCrypto.publicKey(p.getCipherKey().toByteArray()),
          SEAL_LABEL);
      byte[] plain = SecAggCrypto.open(key, s.getNode(), self, round, attempt, s.getCiphertext().toByteArray());
      if (plain.length != 2 * Shamir.SHARE_BYTES) {
        throw new InvalidMessageException("a share from node " + s.getNode() + " of " + plain.length + " bytes");
      }
      got.put(s.getNode(), new byte[][] {Arrays.copyOfRange(plain, 0, Shamir.SHARE_BYTES),
          Arrays.copyOfRange(plain, Shamir.SHARE_BYTES, plain.length)});
    }
    held.putAll(got);
    forwarded = true;
  }

  /**
   * Stage 3: {@code input} (already reduced modulo 2^bits) plus the self mask plus, for each
   * neighbour that shared, +PRG(s_uv) when this client's id is the smaller and -PRG(s_uv)
   * otherwise, modulo 2^bits. The pairwise masks cancel in the sum of two survivors.
   */
  public long[] mask(long[] input) {
    if (!forwarded) {
      throw new IllegalStateException("mask before the shares were forwarded");
    }
    long[] y = input.clone();
    SecAggCrypto.addMask(y, selfSeed, 1);
    for (int v : held.keySet()) {
      byte[] seed = SecAggCrypto.agree(mask.getPrivate(),
          SecAggCrypto.publicKey(neighbours.get(v).getMaskKey().toByteArray()), MASK_LABEL);
      SecAggCrypto.addMask(y, seed, self < v ? 1 : -1);
    }
    Packing.reduce(y, bits);
    return y;
  }

  /**
   * Stage 4, answered once: for each neighbour it holds shares of, the self-mask share if it is
   * listed as a survivor, the mask-key share if listed as dropped. A request naming a node in
   * both lists, or leaving out this client, or with fewer survivors than the threshold, is refused.
   */
  public SecAggReveal reveal(SecAggUnmask u) {
    if (!forwarded || revealed) {
      throw new InvalidMessageException("unmask request " + (revealed ? "twice" : "before the shares"));
    }
    Set<Integer> survivors = new TreeSet<>(u.getSurvivorsList());
    Set<Integer> dropped = new TreeSet<>(u.getDroppedList());
    if (survivors.size() != u.getSurvivorsCount() || dropped.size() != u.getDroppedCount()) {
      throw new InvalidMessageException("unmask request repeats a node");
    }
    for (int d : dropped) {
      if (survivors.contains(d)) {
        throw new InvalidMessageException("unmask request lists node " + d + " as survivor and as dropped");
      }
    }
    if (!survivors.contains(self)) {
      throw new InvalidMessageException("unmask request that does not list this client as a survivor");
    }
    revealed = true;
    SecAggReveal.Builder out = SecAggReveal.newBuilder().setRound(round).setAttempt(attempt);
    for (var e : held.entrySet()) {
      int v = e.getKey();
      if (survivors.contains(v) || dropped.contains(v)) {
        boolean selfMask = survivors.contains(v);
        out.addShares(SecAggShare.newBuilder().setOwner(v).setSelfMask(selfMask).setX(self + 1)
            .setY(ByteString.copyFrom(e.getValue()[selfMask ? 0 : 1])));
      }
    }
    return out.build();
  }

  /** The public mask key (for tests). */
  PublicKey maskKey() {
    return mask.getPublic();
  }
}
