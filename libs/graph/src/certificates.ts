import { X509Certificate, createPrivateKey } from 'node:crypto';

/**
 * Checks a PEM certificate chain and private key the way a TLS server would load them: the
 * first certificate parses, the key parses, and the key belongs to the certificate.
 * Returns an error message, or undefined when the pair is usable.
 */
export function checkCertificateKeyPair(certificate: string | undefined, privateKey: string | undefined): string | undefined {
  if (!certificate) return 'tls.crt is missing or empty';
  if (!privateKey) return 'tls.key is missing or empty';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (e) {
    return `tls.crt is not a valid PEM certificate: ${(e as Error).message}`;
  }
  try {
    const key = createPrivateKey(privateKey);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not match the certificate in tls.crt';
  } catch (e) {
    return `tls.key is not a valid PEM private key: ${(e as Error).message}`;
  }
  return undefined;
}

/** Checks a PEM bundle of CA certificates; returns the certificates found, or an error. */
export function parseCertificateBundle(pem: string | undefined): { certificates: string[] } | { error: string } {
  if (!pem) return { error: 'no CA certificate data' };
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { error: 'no PEM certificate found' };
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (e) {
      return { error: `invalid PEM certificate: ${(e as Error).message}` };
    }
  }
  return { certificates: blocks.map((b) => `${b}\n`) };
}
