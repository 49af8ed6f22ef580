/**
 * TLS material made at test time (nothing committed that expires): one CA, a server certificate
 * for loopback names, and client certificates, ECDSA P-256, PEM.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A certificate and its private key, PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

export interface TestCertificates {
  ca: PemPair;
  /** Server certificate for `serverNames` (DNS names and IP addresses). */
  server: PemPair;
  /** Client certificates by name (the name is the subject CN). */
  clients: Record<string, PemPair>;
}

export interface TestCertificateOptions {
  /** DNS names and IPs of the server certificate. Default ["localhost", "127.0.0.1"]. */
  serverNames?: string[];
  /** Names of client certificates to issue. */
  clients?: string[];
}

/** Makes a CA, a server certificate and client certificates. */
export async function makeTestCertificates(options: TestCertificateOptions = {}): Promise<TestCertificates> {
  const caKeys = await generateKeys();
  const caName = 'CN=Portway Test CA';
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: caName,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const issue = async (cn: string, names: string[], usage: 'server' | 'client'): Promise<PemPair> => {
    const keys = await generateKeys();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ];
    if (names.length > 0) {
      extensions.push(new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))));
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: caCert.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 30 * DAY),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions,
    });
    return { cert: cert.toString('pem'), key: await keyPem(keys) };
  };

  const server = await issue('portway-nats', options.serverNames ?? ['localhost', '127.0.0.1'], 'server');
  const clients: Record<string, PemPair> = {};
  for (const name of options.clients ?? []) clients[name] = await issue(name, [], 'client');
  return { ca: { cert: caCert.toString('pem'), key: await keyPem(caKeys) }, server, clients };
}

/** Paths of certificates written by `writeTestCertificates`. */
export interface TestCertificateFiles {
  caFile: string;
  server: { certFile: string; keyFile: string };
  clients: Record<string, { certFile: string; keyFile: string }>;
}

/** Writes the certificates as PEM files under `dir` (keys with mode 0600). */
export async function writeTestCertificates(dir: string, certs: TestCertificates): Promise<TestCertificateFiles> {
  await mkdir(dir, { recursive: true });
  const write = async (name: string, pair: PemPair) => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    await writeFile(certFile, pair.cert);
    await writeFile(keyFile, pair.key, { mode: 0o600 });
    return { certFile, keyFile };
  };
  const caFile = join(dir, 'ca.crt');
  await writeFile(caFile, certs.ca.cert);
  const clients: TestCertificateFiles['clients'] = {};
  for (const [name, pair] of Object.entries(certs.clients)) clients[name] = await write(`client-${name}`, pair);
  return { caFile, server: await write('server', certs.server), clients };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');
}
