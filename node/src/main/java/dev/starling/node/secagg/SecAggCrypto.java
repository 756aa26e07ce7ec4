package dev.starling.node.secagg;

import dev.starling.node.wire.InvalidMessageException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's cryptography as SecAgg+ uses it: X25519 key pairs and agreement, SHA-256 to derive
 * keys from an agreed secret, AES-GCM to seal shares for one neighbour, and AES-256 in counter
 * mode as the pseudorandom generator that expands a 32-byte seed into a mask.
 */
public final class SecAggCrypto {
  private SecAggCrypto() {}

  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw 32-byte X25519 key (RFC 8410). */
  private static final byte[] X25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00};

  /** A fresh X25519 key pair drawn from {@code rnd}. */
  public static KeyPair keyPair(SecureRandom rnd) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
      g.initialize(NamedParameterSpec.X25519, rnd);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no X25519", e);
    }
  }

  /** The raw 32-byte public key. */
  public static byte[] raw(PublicKey k) {
    byte[] enc = k.getEncoded();
    return Arrays.copyOfRange(enc, enc.length - 32, enc.length);
  }

  /** A public key from its raw 32 bytes, validated. */
  public static PublicKey publicKey(byte[] raw) {
    if (raw.length != 32) {
      throw new InvalidMessageException("X25519 public key of " + raw.length + " bytes (expected 32)");
    }
    byte[] der = Arrays.copyOf(X25519_SPKI, X25519_SPKI.length + 32);
    System.arraycopy(raw, 0, der, X25519_SPKI.length, 32);
    try {
      return KeyFactory.getInstance("XDH").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new InvalidMessageException("not an X25519 public key: " + e.getMessage());
    }
  }

  /** The private key's 32-byte scalar, the secret that is Shamir-shared. */
  public static byte[] scalar(PrivateKey k) {
    return ((XECPrivateKey) k).getScalar().orElseThrow(() -> new IllegalStateException("X25519 key without a scalar"));
  }

  /** A private key from its scalar. */
  public static PrivateKey privateKey(byte[] scalar) {
    try {
      return KeyFactory.getInstance("XDH").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    } catch (GeneralSecurityException e) {
      throw new InvalidMessageException("not an X25519 private key: " + e.getMessage());
    }
  }

  /** SHA-256 of {@code label} and the X25519 secret agreed between {@code mine} and {@code theirs}. */
  public static byte[] agree(PrivateKey mine, PublicKey theirs, String label) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance("X25519");
      ka.init(mine);
      ka.doPhase(theirs, true);
      byte[] secret = ka.generateSecret();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(label.getBytes(StandardCharsets.US_ASCII));
      return sha.digest(secret);
    } catch (GeneralSecurityException e) {
      // X25519 refuses a low-order public key (an all-zero secret): the peer's key is bad.
      throw new InvalidMessageException("X25519 agreement failed: " + e.getMessage());
    }
  }

  private static byte[] nonce(int sender, int receiver, int round) {
    return ByteBuffer.allocate(12).putInt(sender).putInt(receiver).putInt(round).array();
  }

  private static byte[] aad(int sender, int receiver, int round, int attempt) {
    return ByteBuffer.allocate(16).putInt(sender).putInt(receiver).putInt(round).putInt(attempt).array();
  }

  private static Cipher gcm(int mode, byte[] key, int sender, int receiver, int round, int attempt)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce(sender, receiver, round)));
    c.updateAAD(aad(sender, receiver, round, attempt));
    return c;
  }

  /** {@code plain} sealed with AES-256-GCM under {@code key}, bound to its sender, receiver, round and attempt. */
  public static byte[] seal(byte[] key, int sender, int receiver, int round, int attempt, byte[] plain) {
    try {
      return gcm(Cipher.ENCRYPT_MODE, key, sender, receiver, round, attempt).doFinal(plain);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The plaintext of a sealed share, or an exception when it was not sealed by that sender for this receiver. */
  public static byte[] open(byte[] key, int sender, int receiver, int round, int attempt, byte[] sealed) {
    if (sealed.length < 16) { // shorter than the tag: the JDK would throw an unchecked exception
      throw new InvalidMessageException("a sealed share from node " + sender + " of " + sealed.length + " bytes");
    }
    try {
      return gcm(Cipher.DECRYPT_MODE, key, sender, receiver, round, attempt).doFinal(sealed);
    } catch (AEADBadTagException e) {
      throw new InvalidMessageException("a sealed share from node " + sender + " does not authenticate");
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw new InvalidMessageException("a sealed share from node " + sender + " cannot be opened: " + e.getMessage());
    }
  }

  /** (round, attempt) of a SecAgg message, or null for another body. */
  public static int[] roundAndAttempt(dev.starling.node.wire.proto.Envelope env) {
    return switch (env.getBodyCase()) {
      case SECAGG_KEYS -> new int[] {env.getSecaggKeys().getRound(), env.getSecaggKeys().getAttempt()};
      case SECAGG_ROSTER -> new int[] {env.getSecaggRoster().getRound(), env.getSecaggRoster().getAttempt()};
      case SECAGG_SHARES -> new int[] {env.getSecaggShares().getRound(), env.getSecaggShares().getAttempt()};
      case SECAGG_FORWARD -> new int[] {env.getSecaggForward().getRound(), env.getSecaggForward().getAttempt()};
      case SECAGG_MASKED -> new int[] {env.getSecaggMasked().getRound(), env.getSecaggMasked().getAttempt()};
      case SECAGG_UNMASK -> new int[] {env.getSecaggUnmask().getRound(), env.getSecaggUnmask().getAttempt()};
      case SECAGG_REVEAL -> new int[] {env.getSecaggReveal().getRound(), env.getSecaggReveal().getAttempt()};
      default -> null;
    };
  }

  /**
   * Adds {@code sign} x PRG(seed) to {@code acc}, element-wise modulo 2^64 (the caller reduces to
   * its modulus 2^b, which divides 2^64): the PRG is AES-256-CTR keyed by the seed from a zero
   * counter, read as little-endian 64-bit words.
   */
  public static void addMask(long[] acc, byte[] seed, int sign) {
    try {
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(new byte[16]));
      int chunk = 8192; // words per block of keystream
      byte[] zeros = new byte[chunk * 8];
      byte[] out = new byte[chunk * 8];
      for (int from = 0; from < acc.length; from += chunk) {
        int words = Math.min(chunk, acc.length - from);
        int got = c.update(zeros, 0, words * 8, out, 0);
        if (got != words * 8) {
          throw new IllegalStateException("AES-CTR returned " + got + " bytes for " + words * 8);
        }
        ByteBuffer bb = ByteBuffer.wrap(out, 0, words * 8).order(ByteOrder.LITTLE_ENDIAN);
        if (sign > 0) {
          for (int i = 0; i < words; i++) {
            acc[from + i] += bb.getLong();
          }
        } else {
          for (int i = 0; i < words; i++) {
            acc[from + i] -= bb.getLong();
          }
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A deterministic generator for the simulator, so that a run's keys and bytes repeat with its
   * seed; a deployment uses a fresh {@link SecureRandom} instead.
   */
  public static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(ByteBuffer.allocate(8).putLong(seed).array()); // before any output: fully determined by the seed
      return r;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
