import { isIP } from 'node:net';

/** Subject alternative names, grouped by type. */
export interface SubjectAltNames {
  dnsNames: string[];
  uris: string[];
  ipAddresses: string[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes IsDNS1123Subdomain: lower-case labels of [a-z0-9-], dot-separated, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  return value.split('.').every((l) => l.length <= 63 && DNS1123_LABEL.test(l));
}

/**
 * Sorts the hosts given to the suite's certificate generator into SANs, as upstream does: an IP
 * becomes an IP SAN; a DNS-1123 subdomain (after stripping a leading "*.") a DNS SAN with the "*."
 * kept; anything else that parses as a URL a URI SAN (so "*" is a URI SAN, not a DNS name).
 */
export function sansForHosts(hosts: readonly string[]): SubjectAltNames {
  const out: SubjectAltNames = { dnsNames: [], uris: [], ipAddresses: [] };
  for (const h of hosts) {
    if (isIP(h) !== 0) out.ipAddresses.push(h);
    else if (isDns1123Subdomain(h.startsWith('*.') ? h.slice(2) : h)) out.dnsNames.push(h);
    else if (parsesAsGoUrl(h)) out.uris.push(h);
  }
  return out;
}

/** Go's url.Parse accepts almost anything (relative references included); it rejects control characters and bad escapes. */
function parsesAsGoUrl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return false;
  return !/%(?![0-9A-Fa-f]{2})/.test(s);
}
