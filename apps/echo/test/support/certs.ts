import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate and its key, PEM. */
export interface CertAndKey {
  readonly cert: string;
  readonly key: string;
  readonly der: Buffer;
}

/** A CA with a server certificate (localhost, 127.0.0.1, abc.example.com) and client certificates. */
export interface TestPki {
  readonly ca: CertAndKey;
  readonly server: CertAndKey;
  readonly client: CertAndKey;
  /** A client certificate from another CA (does not verify). */
  readonly strangerClient: CertAndKey;
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function makeCa(name: string): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair; out: CertAndKey }> {
  const k = await keys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys: k as never,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys: k, out: { cert: cert.toString('pem') + '\n', key: await keyPem(k.privateKey), der: Buffer.from(cert.rawData) } };
}

async function makeLeaf(
  ca: { cert: x509.X509Certificate; keys: CryptoKeyPair },
  name: string,
  usage: 'server' | 'client',
): Promise<CertAndKey> {
  const k = await keys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
  ];
  if (usage === 'server') {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: 'abc.example.com' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: ca.cert.subject,
    publicKey: k.publicKey as never,
    signingKey: ca.keys.privateKey as never,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(k.privateKey), der: Buffer.from(cert.rawData) };
}

/** Generates a fresh PKI (ECDSA P-256) for a test file. */
export async function makeTestPki(): Promise<TestPki> {
  const ca = await makeCa('portway-echo-test-ca');
  const other = await makeCa('portway-echo-other-ca');
  return {
    ca: ca.out,
    server: await makeLeaf(ca, 'portway-echo-server', 'server'),
    client: await makeLeaf(ca, 'portway-echo-client', 'client'),
    strangerClient: await makeLeaf(other, 'portway-echo-stranger', 'client'),
  };
}
