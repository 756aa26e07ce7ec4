package dev.starling.cluster;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;

/**
 * A member's server-side TLS engine that says why a connection was refused before its handshake
 * completed: a peer that does not speak TLS (a member with {@code cluster.tls = off}, or another
 * program), one whose handshake fails, or one that hangs up in the middle. Pekko tears such
 * connections down silently. Lines are bounded by the caller's {@link LogLimit}; everything else
 * is the wrapped engine's.
 */
final class HandshakeLoggingEngine extends SSLEngine {

  private final SSLEngine inner;
  private final Logger log;
  private final LogLimit limit;
  private boolean handshaken;
  private boolean reported;

  HandshakeLoggingEngine(SSLEngine inner, Logger log, LogLimit limit) {
    super(inner.getPeerHost(), inner.getPeerPort());
    this.inner = inner;
    this.log = log;
    this.limit = limit;
  }

  private void report(String what) {
    if (!reported && !handshaken) {
      reported = true;
      limit.warn(log, "refused an incoming connection before its TLS handshake completed: " + what);
    }
  }

  private SSLEngineResult seen(SSLEngineResult r) {
    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
      handshaken = true;
    }
    return r;
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
    try {
      return seen(inner.wrap(srcs, offset, length, dst));
    } catch (SSLException e) {
      report(e.getMessage());
      throw e;
    }
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
    try {
      return seen(inner.unwrap(src, dsts, offset, length));
    } catch (SSLException e) {
      String m = String.valueOf(e.getMessage());
      if (e.getCause() instanceof java.security.cert.CertificateException) {
        reported = true; // the trust manager said it, with the subject presented
        throw e;
      }
      report(m.contains("nsupported or unrecognized SSL message") || m.contains("plaintext")
          ? "it does not speak TLS (a member with cluster.tls = off, or another program)"
          : m);
      throw e;
    }
  }

  @Override
  public void closeInbound() throws SSLException {
    if (!handshaken && !inner.isInboundDone()) {
      report("the peer hung up during the handshake");
    }
    inner.closeInbound();
  }

  @Override
  public Runnable getDelegatedTask() {
    return inner.getDelegatedTask();
  }

  @Override
  public boolean isInboundDone() {
    return inner.isInboundDone();
  }

  @Override
  public void closeOutbound() {
    inner.closeOutbound();
  }

  @Override
  public boolean isOutboundDone() {
    return inner.isOutboundDone();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return inner.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return inner.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    inner.setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return inner.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return inner.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    inner.setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return inner.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return inner.getHandshakeSession();
  }

  @Override
  public void beginHandshake() throws SSLException {
    inner.beginHandshake();
  }

  @Override
  public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
    return inner.getHandshakeStatus();
  }

  @Override
  public void setUseClientMode(boolean mode) {
    inner.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return inner.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    inner.setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return inner.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    inner.setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return inner.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    inner.setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return inner.getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return inner.getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters params) {
    inner.setSSLParameters(params);
  }

  @Override
  public String getApplicationProtocol() {
    return inner.getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return inner.getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
    inner.setHandshakeApplicationProtocolSelector(selector);
  }

  @Override
  public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return inner.getHandshakeApplicationProtocolSelector();
  }
}
