import { KeyObject, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { x509 } from './x509.js';
import type { KubeObject } from '../manifests/yaml-docs.js';
import type { GeneratedResourceSpec } from '../suite/types.js';
import { sansForHosts } from './san-rules.js';


const RSA_ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

const KEY_USAGE_FLAGS: Record<string, x509.KeyUsageFlags> = {
  DigitalSignature: x509.KeyUsageFlags.digitalSignature,
  KeyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  CertSign: x509.KeyUsageFlags.keyCertSign,
  CRLSign: x509.KeyUsageFlags.cRLSign,
  KeyAgreement: x509.KeyUsageFlags.keyAgreement,
  DataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  ContentCommitment: x509.KeyUsageFlags.nonRepudiation,
};
const EXT_KEY_USAGES: Record<string, string> = {
  ServerAuth: x509.ExtendedKeyUsage.serverAuth,
  ClientAuth: x509.ExtendedKeyUsage.clientAuth,
};

/** A certificate with its PKCS#1 private key, both PEM. */
export interface Issued {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

/**
 * Generates the Secrets and ConfigMaps the suite creates at setup (base/generated-resources.json):
 * CAs as ConfigMaps (`ca.crt`, and the CA key as `key.crt`), leaf certificates as
 * `kubernetes.io/tls` Secrets (`tls.crt`, `tls.key`). Every key is RSA-2048, PKCS#1 PEM; subjects,
 * SANs, usages and issuers come from the spec entries. New material on every call.
 */
export async function generateResources(specs: readonly GeneratedResourceSpec[], now = new Date()): Promise<KubeObject[]> {
  const cas = new Map<string, Issued>();
  // CAs first: a leaf names its issuer by caId, whatever the order of the list.
  await Promise.all(
    specs
      .filter((s) => s.kind === 'ConfigMap')
      .map(async (s) => {
        const id = s.caId ?? `${s.namespace}/${s.name}`;
        cas.set(id, await issueCa(s, now));
      }),
  );
  const leaves = new Map<GeneratedResourceSpec, Issued>();
  await Promise.all(
    specs
      .filter((s) => s.kind === 'Secret')
      .map(async (s) => {
        const signer = s.certificate.signedBy;
        let ca: Issued | undefined;
        if (signer && signer !== 'self-signed') {
          ca = cas.get(signer);
          if (!ca) throw new Error(`generated resource ${s.namespace}/${s.name}: issuer ${signer} is not one of the CAs (${[...cas.keys()].join(', ')})`);
        }
        leaves.set(s, await issueLeaf(s, ca, now));
      }),
  );
  return specs.map((s) => {
    if (s.kind === 'ConfigMap') {
      const ca = cas.get(s.caId ?? `${s.namespace}/${s.name}`)!;
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: s.name, namespace: s.namespace },
        data: { 'ca.crt': ca.certPem, 'key.crt': ca.keyPem },
      };
    }
    const leaf = leaves.get(s)!;
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: s.type ?? 'kubernetes.io/tls',
      metadata: { name: s.name, namespace: s.namespace },
      data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem) },
    };
  });
}

async function issueCa(spec: GeneratedResourceSpec, now: Date): Promise<Issued> {
  const c = spec.certificate;
  const keys = await newKeys();
  const notAfter = new Date(now);
  notAfter.setFullYear(notAfter.getFullYear() + 1);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex(c.serialNumber),
    name: jsonName(c.subject),
    notBefore: now,
    notAfter,
    keys,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.KeyUsagesExtension(keyUsageFlags(c.keyUsage ?? ['DigitalSignature', 'CertSign']), true),
      new x509.ExtendedKeyUsageExtension(extKeyUsages(c.extKeyUsage ?? []), false),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: pemOf(cert), keyPem: await pkcs1Pem(keys.privateKey) };
}

async function issueLeaf(spec: GeneratedResourceSpec, ca: Issued | undefined, now: Date): Promise<Issued> {
  const c = spec.certificate;
  const keys = await newKeys();
  const sans = sansForHosts(c.hostsArgument ?? []);
  const names: x509.JsonGeneralName[] = [
    ...sans.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(keyUsageFlags(c.keyUsage ?? ['KeyEncipherment', 'DigitalSignature']), true),
    new x509.ExtendedKeyUsageExtension(extKeyUsages(c.extKeyUsage ?? ['ServerAuth']), false),
    new x509.BasicConstraintsExtension(false, undefined, true),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const common = { serialNumber: randomSerialHex(), notBefore: now, notAfter: new Date(now.getTime() + 365 * DAY_MS), signingAlgorithm: RSA_ALG };
  let cert: x509.X509Certificate;
  if (ca) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey));
    cert = await x509.X509CertificateGenerator.create({
      ...common,
      subject: jsonName(c.subject),
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      extensions,
    });
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: jsonName(c.subject), keys, extensions });
  }
  return { cert, keys, certPem: pemOf(cert), keyPem: await pkcs1Pem(keys.privateKey) };
}

/** PEM in the canonical layout (64-column base64, trailing newline), as Go's pem.EncodeToMemory writes it. */
function pemOf(cert: x509.X509Certificate): string {
  return new NodeX509(Buffer.from(cert.rawData)).toString();
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_ALG, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair;
}

async function pkcs1Pem(privateKey: webcrypto.CryptoKey): Promise<string> {
  const key = KeyObject.from(privateKey);
  return key.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** Go's pkix.Name order: C, O, CN. */
function jsonName(subject: { CN?: string; O?: string[]; C?: string[] }): x509.JsonName {
  const name: x509.JsonName = [];
  if (subject.C?.length) name.push({ C: subject.C });
  if (subject.O?.length) name.push({ O: subject.O });
  if (subject.CN) name.push({ CN: [subject.CN] });
  return name;
}

function keyUsageFlags(usages: readonly string[]): x509.KeyUsageFlags {
  let flags = 0;
  for (const u of usages) {
    const f = KEY_USAGE_FLAGS[u];
    if (f === undefined) throw new Error(`unknown key usage ${u} (known: ${Object.keys(KEY_USAGE_FLAGS).join(', ')})`);
    flags |= f;
  }
  return flags as x509.KeyUsageFlags;
}

function extKeyUsages(usages: readonly string[]): string[] {
  return usages.map((u) => {
    const oid = EXT_KEY_USAGES[u];
    if (!oid) throw new Error(`unknown extended key usage ${u} (known: ${Object.keys(EXT_KEY_USAGES).join(', ')})`);
    return oid;
  });
}

function serialHex(serial: number | string | undefined): string {
  if (serial === undefined) return randomSerialHex();
  const n = BigInt(serial);
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  return hex;
}

/** A random positive 128-bit serial (Go: rand.Int below 2^128), DER-safe (no leading 1 bit). */
function randomSerialHex(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
