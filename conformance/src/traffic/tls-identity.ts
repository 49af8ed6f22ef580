import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { x509 } from '../certs/x509.js';

/**
 * Go's crypto/x509 hostname verification (Certificate.VerifyHostname), used as Node's
 * `checkServerIdentity` so the runner trusts exactly what the upstream Go client trusts. It
 * differs from Node's default: a wildcard may cover a single-label suffix ("*.org" matches
 * "example.org"), the common name is ignored, and an IP is matched against IP SANs only.
 */
export function goCheckServerIdentity(hostname: string, cert: PeerCertificate): Error | undefined {
  let names: { type: string; value: string }[];
  try {
    const parsed = new x509.X509Certificate(cert.raw);
    const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
    names = san ? san.names.items.map((n) => ({ type: n.type, value: n.value })) : [];
  } catch (e) {
    return new Error(`cannot read the server certificate: ${(e as Error).message}`);
  }
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const want = normalizeIp(host);
    if (names.some((n) => n.type === 'ip' && normalizeIp(n.value) === want)) return undefined;
    return new Error(`x509: certificate is not valid for IP ${host}`);
  }
  const dns = names.filter((n) => n.type === 'dns').map((n) => n.value);
  if (dns.some((p) => matchHostnames(p, host))) return undefined;
  return new Error(`x509: certificate is valid for ${dns.join(', ') || '(no DNS names)'}, not ${host}`);
}

/** Go's matchHostnames: same number of labels; a leading "*" label matches any one label. */
export function matchHostnames(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '' || h === '') return false;
  const pp = p.split('.');
  const hp = h.split('.');
  if (pp.length !== hp.length) return false;
  return pp.every((part, i) => (i === 0 && part === '*') || part === hp[i]);
}

function normalizeIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname;
  } catch {
    return ip;
  }
}
