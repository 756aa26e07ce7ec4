package dev.starling.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collections;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS client that presents its certificate whatever CA the server asks for and trusts any
 * server: what an attacker holding a certificate of another CA would write.
 */
public final class RawTls {

  private RawTls() {}

  /** A real TLS ClientHello, as the first bytes of a client that then hangs up. */
  public static byte[] clientHelloStart() throws Exception {
    SSLEngine e = SSLContext.getDefault().createSSLEngine("127.0.0.1", 0);
    e.setUseClientMode(true);
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(java.nio.ByteBuffer.allocate(0), out);
    byte[] hello = new byte[out.flip().remaining()];
    out.get(hello);
    return hello;
  }

  /** Whether a TLS 1.3 connection to {@code port} with {@code tls}'s key was accepted. */
  public static boolean handshake(int port, ClusterSettings.Tls tls) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(tls.keyStore())) {
      ks.load(in, tls.keyPassword().toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, tls.keyPassword().toCharArray());
    X509KeyManager inner = (X509KeyManager) kmf.getKeyManagers()[0];
    String alias = null;
    for (String a : Collections.list(ks.aliases())) {
      if (ks.isKeyEntry(a)) {
        alias = a;
      }
    }
    String mine = alias;
    KeyManager always = new X509ExtendedKeyManager() {
      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket s) {
        return mine;
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine e) {
        return mine;
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {mine};
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return inner.getServerAliases(keyType, issuers);
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket s) {
        return inner.chooseServerAlias(keyType, issuers, s);
      }

      @Override
      public X509Certificate[] getCertificateChain(String a) {
        return inner.getCertificateChain(a);
      }

      @Override
      public PrivateKey getPrivateKey(String a) {
        return inner.getPrivateKey(a);
      }
    };
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(new KeyManager[] {always}, new TrustManager[] {trustAll}, null);
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return socket.getInputStream().read() >= 0; // TLS 1.3: a refused client certificate shows on the first read
    } catch (IOException e) {
      return false;
    }
  }
}
