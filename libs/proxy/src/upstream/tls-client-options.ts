/**
 * Backend TLS (BackendTLSPolicy and the Gateway's client certificate) as node:tls connect
 * options: SNI, trusted CAs (given and/or the system's), the names the certificate is checked
 * against (subjectAltNames when given, else the serverName), and the client certificate.
 */
import { createHash } from 'node:crypto';
import { checkServerIdentity, rootCertificates, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { BackendTls } from '@portway/ir';

export interface TlsClientOptions {
  readonly servername: string;
  readonly ca: string[] | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly rejectUnauthorized: true;
  readonly checkServerIdentity: ConnectionOptions['checkServerIdentity'];
  /** Stable digest of the settings: part of the upstream pool key. */
  readonly fingerprint: string;
}

export function compileTlsClientOptions(tls: BackendTls): TlsClientOptions {
  const ca = [...(tls.systemCAs ? rootCertificates : []), ...(tls.caCertificates ?? [])];
  const sans = tls.subjectAltNames ?? [];
  const fingerprint = createHash('sha256').update(JSON.stringify(tls)).digest('hex').slice(0, 16);
  return {
    servername: tls.serverName,
    // No CA given and no system CAs asked for: Node's default store is used.
    ca: ca.length > 0 ? ca : undefined,
    cert: tls.clientCertificate?.certificate,
    key: tls.clientCertificate?.privateKey,
    rejectUnauthorized: true,
    checkServerIdentity:
      sans.length === 0
        ? (_host: string, cert: PeerCertificate) => checkServerIdentity(tls.serverName, cert)
        : (_host: string, cert: PeerCertificate) => checkSubjectAltNames(sans, cert),
    fingerprint,
  };
}

/** Passes when the certificate carries any of the given Hostname (wildcards honoured) or URI SANs. */
function checkSubjectAltNames(sans: NonNullable<BackendTls['subjectAltNames']>, cert: PeerCertificate): Error | undefined {
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
  for (const san of sans) {
    if (san.type === 'URI') {
      if (uris.includes(san.value)) return undefined;
    } else if (checkServerIdentity(san.value, cert) === undefined) {
      return undefined;
    }
  }
  const err = new Error(`backend certificate matches none of the subjectAltNames ${sans.map((s) => s.value).join(', ')}`);
  (err as NodeJS.ErrnoException).code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  return err;
}
