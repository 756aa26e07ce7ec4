package dev.starling.cluster;

import com.google.protobuf.ByteString;
import dev.starling.node.UserError;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Frame;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who this member is, proven by its certificate, and who the others are, proven by theirs.
 *
 * <p>A member's node id is the one its CA-signed certificate names ({@code urn:starling:node:N});
 * it is never taken from what a message claims. Two members share a pair key that only they can
 * derive (ECDH of their certified P-256 keys, then HMAC-SHA256 over the pair's ids), and every
 * frame between them carries a MAC under it ({@link #frameMac}); a route to a node is used only
 * after its endpoint proved it holds that node's key ({@link #routeMac}). So a member with a
 * valid certificate of its own can neither send as another node nor receive what is meant for it.
 * Certificates of the others are learned from their route checks, verified against the CA each
 * time a new one is seen.
 */
public final class Identity {

  private static final Pattern NODE_URI = Pattern.compile("urn:starling:node:(0|[1-9][0-9]{0,8})");

  private final int member;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final byte[] certDer;
  private final X509Certificate ca;
  /** Member id to its verified certificate and pair key. */
  private final Map<Integer, Peer> peers = new ConcurrentHashMap<>();

  /** Another member as its certificate proves it, and the key this member shares with it. */
  public record Peer(int member, byte[] certificate, SecretKeySpec pairKey) {}

  private Identity(int member, PrivateKey key, X509Certificate cert, X509Certificate ca) throws GeneralSecurityException {
    this.member = member;
    this.key = key;
    this.cert = cert;
    this.certDer = cert.getEncoded();
    this.ca = ca;
  }

  /** The URI a certificate of node {@code id} carries as a subject alternative name. */
  public static String nodeUri(int id) {
    return "urn:starling:node:" + id;
  }

  /**
   * Opens this member's keystore and truststore. A wrong password, a store without a key, or a
   * certificate not signed by the trusted CA is one usage error naming the file.
   */
  public static Identity load(ClusterSettings.Tls tls) {
    KeyStore ks = open(tls.keyStore(), tls.keyPassword(), "node-N.password");
    KeyStore ts = open(tls.trustStore(), tls.trustPassword(), "truststore-password");
    try {
      PrivateKey key = null;
      X509Certificate cert = null;
      for (Enumeration<String> e = ks.aliases(); e.hasMoreElements(); ) {
        String alias = e.nextElement();
        if (ks.isKeyEntry(alias)) {
          key = (PrivateKey) ks.getKey(alias, tls.keyPassword().toCharArray());
          cert = (X509Certificate) ks.getCertificate(alias);
          break;
        }
      }
      if (key == null || cert == null) {
        throw new UserError(tls.keyStore() + " holds no private key with a certificate (make keys with './starling node keys')");
      }
      X509Certificate ca = null;
      for (Enumeration<String> e = ts.aliases(); e.hasMoreElements(); ) {
        String alias = e.nextElement();
        if (ts.isCertificateEntry(alias)) {
          ca = (X509Certificate) ts.getCertificate(alias);
        }
      }
      if (ca == null) {
        throw new UserError(tls.trustStore() + " holds no CA certificate");
      }
      int member;
      try {
        member = nodeOf(cert, ca, tls.keyStore().toString());
      } catch (InvalidMessageException e) {
        throw new UserError(e.getMessage() + " (the CA in " + tls.trustStore().getFileName() + " did not sign it)");
      }
      return new Identity(member, key, cert, ca);
    } catch (GeneralSecurityException e) {
      throw new UserError(tls.keyStore() + ": " + e.getMessage());
    }
  }

  private static KeyStore open(Path file, String password, String passwordFile) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      return ks;
    } catch (IOException e) {
      if (e.getCause() instanceof java.security.UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
        throw new UserError(file + " does not open with its password (" + passwordFile + " belongs to another store,"
            + " or the store was changed)");
      }
      throw new UserError(file + " is unreadable: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new UserError(file + " is not a PKCS12 keystore: " + e.getMessage());
    }
  }

  /** This member's node id, as its certificate names it. */
  public int member() {
    return member;
  }

  /** This member's certificate (DER), sent with its route checks. */
  public byte[] certificate() {
    return certDer.clone();
  }

  /**
   * The node id a certificate names, after checking it was signed by the cluster CA and is valid
   * now; otherwise an {@link InvalidMessageException} saying why.
   */
  private static int nodeOf(X509Certificate c, X509Certificate ca, String what) {
    try {
      c.checkValidity();
      c.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new InvalidMessageException(what + ": certificate of '" + c.getSubjectX500Principal() + "' is not valid for"
          + " this cluster (" + e.getMessage() + ")");
    }
    Integer id = null;
    try {
      Collection<List<?>> names = c.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> n : names) {
          if (Integer.valueOf(6).equals(n.get(0))) { // uniformResourceIdentifier
            Matcher m = NODE_URI.matcher(String.valueOf(n.get(1)));
            if (m.matches()) {
              if (id != null) {
                throw new InvalidMessageException(what + ": certificate names two node ids");
              }
              id = Integer.parseInt(m.group(1));
            }
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      throw new InvalidMessageException(what + ": certificate cannot be parsed: " + e.getMessage());
    }
    if (id == null) {
      throw new InvalidMessageException(what + ": certificate of '" + c.getSubjectX500Principal() + "' names no node id"
          + " (make keys with './starling node keys')");
    }
    return id;
  }

  /**
   * The member a certificate (DER, from the network) proves, verified and remembered with its
   * pair key; a certificate seen before is not verified again.
   */
  public Peer verify(ByteString der, String from) {
    if (der.size() > 16 * 1024) {
      throw new InvalidMessageException(from + ": a certificate of " + der.size() + " bytes (allowed up to 16384)");
    }
    byte[] bytes = der.toByteArray();
    for (Peer p : peers.values()) {
      if (Arrays.equals(p.certificate(), bytes)) {
        return p;
      }
    }
    X509Certificate c;
    try {
      c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new InvalidMessageException(from + ": not an X.509 certificate (" + e.getMessage() + ")");
    }
    int id = nodeOf(c, ca, from);
    try {
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(key);
      ka.doPhase(c.getPublicKey(), true);
      byte[] shared = ka.generateSecret();
      Mac kdf = Mac.getInstance("HmacSHA256");
      kdf.init(new SecretKeySpec(shared, "HmacSHA256"));
      kdf.update("starling pair key v1".getBytes(StandardCharsets.US_ASCII));
      kdf.update(ByteBuffer.allocate(8).putInt(Math.min(id, member)).putInt(Math.max(id, member)).array());
      Peer p = new Peer(id, bytes, new SecretKeySpec(kdf.doFinal(), "HmacSHA256"));
      peers.put(id, p);
      return p;
    } catch (GeneralSecurityException e) {
      throw new InvalidMessageException(from + ": no key agreement with the certificate of node " + id + " (" + e.getMessage() + ")");
    }
  }

  /** The verified certificate and pair key of member {@code id}, or null if it has not proven itself yet. */
  public Peer peer(int id) {
    return peers.get(id);
  }

  /**
   * The MAC of one frame: its header (who to whom, which transfer, which frame of how many, the
   * transfer's size and parts) and its bytes. Every frame carries its own, so a receiver checks a
   * frame before it changes any state for it: a member posing as another cannot start, restart,
   * abort or extend that member's transfers.
   */
  public static byte[] frameMac(Peer p, int receiverNode, Frame f) {
    Mac mac = mac(p);
    List<Long> parts = f.getPartsList();
    ByteBuffer head = ByteBuffer.allocate(2 + 4 + 4 + 8 + 4 + 4 + 8 + 4 + 8 * parts.size());
    head.put((byte) 'F').put((byte) 2).putInt(f.getSender()).putInt(receiverNode).putLong(f.getTransfer())
        .putInt(f.getIndex()).putInt(f.getCount()).putLong(f.getTotalBytes()).putInt(parts.size());
    for (long part : parts) {
      head.putLong(part);
    }
    mac.update(head.flip());
    for (ByteBuffer b : f.getData().asReadOnlyByteBufferList()) {
      mac.update(b);
    }
    return mac.doFinal();
  }

  /** The MAC proving that {@code endpoint} speaks for {@code node} to the member that asked with {@code nonce}. */
  public static byte[] routeMac(Peer p, int node, int asker, ByteString nonce, String endpoint) {
    Mac mac = mac(p);
    mac.update(ByteBuffer.allocate(10).put((byte) 'R').put((byte) 1).putInt(node).putInt(asker).flip());
    mac.update(nonce.asReadOnlyByteBuffer());
    mac.update(endpoint.getBytes(StandardCharsets.UTF_8));
    return mac.doFinal();
  }

  /** Constant-time comparison of a received MAC with the expected one. */
  public static boolean same(byte[] expected, ByteString got) {
    return MessageDigest.isEqual(expected, got.toByteArray());
  }

  private static Mac mac(Peer p) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(p.pairKey());
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
