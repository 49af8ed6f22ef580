import { X509Certificate, createPrivateKey } from 'node:crypto';
import { x509 } from './x509.js';
import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import { loadSuite } from '../suite/load-suite.js';
import { generateResources } from './generate-certs.js';
import { isDns1123Subdomain, sansForHosts } from './san-rules.js';

const suite = await loadSuite(SUITE_DIR);
const now = new Date();
const objects = await generateResources(suite.generatedResources, now);
const find = (kind: string, ns: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name)!;
const secretCert = (ns: string, name: string) => {
  const data = find('Secret', ns, name)['data'] as Record<string, string>;
  return { cert: Buffer.from(data['tls.crt']!, 'base64').toString(), key: Buffer.from(data['tls.key']!, 'base64').toString() };
};
const caOf = (ns: string, name: string) => (find('ConfigMap', ns, name)['data'] as Record<string, string>)['ca.crt']!;
const sanItems = (pem: string) => new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => `${n.type}:${n.value}`) ?? [];

describe('SAN rules', () => {
  it('sorts hosts into IP, DNS and URI SANs as upstream does', () => {
    expect(sansForHosts(['*', '*.org', '*.wildcard.org'])).toEqual({ dnsNames: ['*.org', '*.wildcard.org'], uris: ['*'], ipAddresses: [] });
    expect(sansForHosts(['abc.example.com', 'spiffe://abc.example.com/test-identity', '10.0.0.1'])).toEqual({ dnsNames: ['abc.example.com'], uris: ['spiffe://abc.example.com/test-identity'], ipAddresses: ['10.0.0.1'] });
    expect(isDns1123Subdomain('Upper.example')).toBe(false);
  });
});

describe('generateResources', () => {
  it('produces every Secret and ConfigMap of generated-resources.json, in order', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(suite.generatedResources.map((r) => `${r.kind} ${r.namespace}/${r.name}`));
    for (const o of objects.filter((x) => x.kind === 'Secret')) expect(o['type']).toBe('kubernetes.io/tls');
  });

  it('writes RSA-2048 PKCS#1 keys that match their certificates', () => {
    for (const r of suite.generatedResources) {
      const { cert, key } =
        r.kind === 'Secret'
          ? secretCert(r.namespace, r.name)
          : { cert: caOf(r.namespace, r.name), key: (find('ConfigMap', r.namespace, r.name)['data'] as Record<string, string>)['key.crt']! };
      expect(key.startsWith('-----BEGIN RSA PRIVATE KEY-----\n'), r.name).toBe(true);
      const pk = createPrivateKey(key);
      expect(pk.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(new X509Certificate(cert).checkPrivateKey(pk), r.name).toBe(true);
    }
  });

  it('gives leaves the subject, SANs, usages and validity of the spec', () => {
    const leaf = new X509Certificate(secretCert('gateway-conformance-infra', 'tls-validity-checks-certificate').cert);
    expect(leaf.subject).toBe('O=Acme Co\nCN=default');
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(sanItems(leaf.toString())).toEqual(['dns:*.org', 'dns:*.wildcard.org', 'url:*']);
    const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);
    const parsed = new x509.X509Certificate(leaf.toString());
    const ku = parsed.getExtension(x509.KeyUsagesExtension)!;
    expect(ku.usages).toBe(x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.digitalSignature);
    expect(sanItems(secretCert('gateway-conformance-infra', 'tls-checks-certificate').cert)).toEqual(['dns:abc.example.com', 'dns:other.example.com', 'url:spiffe://abc.example.com/test-identity']);
    const client = new X509Certificate(secretCert('gateway-conformance-infra', 'tls-checks-client-certificate').cert);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(sanItems(client.toString())).toEqual([]);
  });

  it('makes CAs with the suite subject, serial 2024 and CA usages', () => {
    const ca = new X509Certificate(caOf('gateway-conformance-infra', 'tls-checks-ca-certificate'));
    expect(ca.subject).toBe('C=US\nO=Kubernetes Gateway API\nCN=gatewayapi');
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.serialNumber).toBe('07E8');
    expect(ca.ca).toBe(true);
    expect([...(ca.keyUsage ?? [])].sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const ku = new x509.X509Certificate(ca.toString()).getExtension(x509.KeyUsagesExtension)!;
    expect(ku.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature);
  });

  it('chains each leaf to the CA the spec names, and self-signs the others', () => {
    const caA = new X509Certificate(caOf('gateway-conformance-infra', 'tls-validity-checks-ca-certificate'));
    const caB = new X509Certificate(caOf('gateway-conformance-infra', 'tls-validity-checks-per-port-ca-certificate'));
    const caC = new X509Certificate(caOf('gateway-conformance-infra', 'tls-checks-ca-certificate'));
    const caD = new X509Certificate(caOf('gateway-conformance-infra', 'mismatch-ca-certificate'));
    const leaf = (ns: string, n: string) => new X509Certificate(secretCert(ns, n).cert);
    expect(leaf('gateway-conformance-infra', 'tls-validity-checks-client-certificate').verify(caA.publicKey)).toBe(true);
    expect(leaf('gateway-conformance-infra', 'tls-validity-checks-per-port-client-certificate').verify(caB.publicKey)).toBe(true);
    expect(leaf('gateway-conformance-infra', 'tls-validity-checks-per-port-client-certificate').verify(caA.publicKey)).toBe(false);
    for (const [ns, n] of [
      ['gateway-conformance-infra', 'tls-checks-certificate'],
      ['gateway-conformance-infra', 'tls-checks-client-certificate'],
      ['gateway-conformance-infra', 'tls-passthrough-checks-certificate'],
      ['gateway-conformance-app-backend', 'tls-passthrough-checks-certificate'],
      ['gateway-conformance-infra', 'tls-terminate-checks-certificate'],
    ] as const) {
      const l = leaf(ns, n);
      expect(l.verify(caC.publicKey), n).toBe(true);
      expect(l.checkIssued(caC), n).toBe(true);
      expect(l.verify(caD.publicKey), n).toBe(false);
    }
    const self = leaf('gateway-conformance-web-backend', 'certificate');
    expect(self.issuer).toBe(self.subject);
    expect(self.verify(self.publicKey)).toBe(true);
    expect(sanItems(self.toString())).toEqual(['url:*']);
    // New material on every run: the CAs differ from each other.
    expect(new Set([caA, caB, caC, caD].map((c) => c.fingerprint256)).size).toBe(4);
  });
});
