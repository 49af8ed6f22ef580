/** Go's `pem.Encode` of a CERTIFICATE block: base64 in 64-character lines, trailing newline. */
export function pemCertificate(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return '-----BEGIN CERTIFICATE-----\n' + lines.map((l) => l + '\n').join('') + '-----END CERTIFICATE-----\n';
}
