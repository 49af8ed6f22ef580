/**
 * The ClusterSet credentials of an agent, read from PEM files (`--east-west-ca`,
 * `--east-west-cert`, `--east-west-key`): the agent's east-west listener serves them, and its
 * proxy presents the same certificate to the east-west listeners of other clusters. The
 * certificate must therefore be usable both ways: signed by the ClusterSet CA, with both
 * serverAuth and clientAuth extended key usages (or no extended key usage at all).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EastWestClientTls } from '@portway/proxy';

export interface EastWestTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Reads and checks the three files; a missing, unreadable or malformed one is a clear error naming the flag. */
export function loadEastWestTls(files: EastWestTlsFiles): EastWestClientTls {
  const ca = readPem('--east-west-ca', files.ca);
  const cert = readPem('--east-west-cert', files.cert);
  const key = readPem('--east-west-key', files.key);
  let caX: X509Certificate;
  let certX: X509Certificate;
  try {
    caX = new X509Certificate(ca);
  } catch (e) {
    throw new Error(`--east-west-ca ${files.ca}: not a PEM certificate (${(e as Error).message})`);
  }
  try {
    certX = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`--east-west-cert ${files.cert}: not a PEM certificate (${(e as Error).message})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw new Error(`--east-west-key ${files.key}: not a PEM private key (${(e as Error).message})`);
  }
  if (!certX.checkPrivateKey(privateKey)) throw new Error(`--east-west-key ${files.key} does not match the certificate ${files.cert}`);
  if (!certX.checkIssued(caX) || !certX.verify(caX.publicKey)) throw new Error(`--east-west-cert ${files.cert} is not signed by the ClusterSet CA ${files.ca}`);
  return { ca, cert, key };
}

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}
