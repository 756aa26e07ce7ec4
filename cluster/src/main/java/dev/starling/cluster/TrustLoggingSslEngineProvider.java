package dev.starling.cluster;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pekko's TLS engine provider with one addition: a handshake refused because the peer's
 * certificate is not signed by the cluster CA (or has expired) is logged, at most ten lines per
 * ten seconds, with the subject it presented, and so is an incoming connection torn down before
 * its handshake completed for any other reason ({@link HandshakeLoggingEngine}: a peer that does
 * not speak TLS, or hangs up). Pekko alone refuses both silently.
 */
public final class TrustLoggingSslEngineProvider extends ConfigSSLEngineProvider {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);
  private static final LogLimit LIMIT = new LogLimit(10, TimeUnit.SECONDS.toNanos(10));

  public TrustLoggingSslEngineProvider(ActorSystem system) {
    super(system);
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    return new HandshakeLoggingEngine(super.createServerSSLEngine(hostname, port), LOG, LIMIT);
  }

  @Override
  public TrustManager[] trustManagers() {
    TrustManager[] tms = super.trustManagers();
    for (int i = 0; i < tms.length; i++) {
      if (tms[i] instanceof X509ExtendedTrustManager x) {
        tms[i] = new Logging(x);
      }
    }
    return tms;
  }

  private static final class Logging extends X509ExtendedTrustManager {
    private static final String CONNECTING = "member connecting";
    private static final String CONNECTED_TO = "member connected to";
    private final X509ExtendedTrustManager inner;

    Logging(X509ExtendedTrustManager inner) {
      this.inner = inner;
    }

    /** One of the inner manager's checks. */
    @FunctionalInterface
    private interface Check {
      void run() throws CertificateException;
    }

    /** Runs {@code check}; a refusal is logged (bounded) and rethrown. */
    private static void logged(String who, X509Certificate[] chain, Check check) throws CertificateException {
      try {
        check.run();
      } catch (CertificateException e) {
        String subject = chain == null || chain.length == 0 ? "no certificate" : chain[0].getSubjectX500Principal().getName();
        LIMIT.warn(LOG, "refused a TLS handshake from a " + who + " presenting '" + subject + "': " + e.getMessage());
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      logged(CONNECTING, chain, () -> inner.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      logged(CONNECTED_TO, chain, () -> inner.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      logged(CONNECTING, chain, () -> inner.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      logged(CONNECTED_TO, chain, () -> inner.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      logged(CONNECTING, chain, () -> inner.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      logged(CONNECTED_TO, chain, () -> inner.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return inner.getAcceptedIssuers();
    }
  }
}
