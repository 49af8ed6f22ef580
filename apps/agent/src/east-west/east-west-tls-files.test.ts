import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '@portway/testing';
import { loadEastWestTls } from './east-west-tls-files.js';

describe('loadEastWestTls', () => {
  let dir: string;
  let certs: TestCertificates;
  let other: TestCertificates;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portway-ew-tls-'));
    certs = await makeTestCertificates({ clients: ['west'] });
    other = await makeTestCertificates({ clients: ['intruder'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a CA, a certificate it signed and the matching key', () => {
    const got = loadEastWestTls({ ca: file('ca.pem', certs.ca.cert), cert: file('c.pem', certs.clients.west!.cert), key: file('k.pem', certs.clients.west!.key) });
    expect(got).toEqual({ ca: certs.ca.cert, cert: certs.clients.west!.cert, key: certs.clients.west!.key });
  });

  it('names the flag and the file of what is wrong', () => {
    const ca = file('ca.pem', certs.ca.cert);
    const cert = file('c.pem', certs.clients.west!.cert);
    const key = file('k.pem', certs.clients.west!.key);
    expect(() => loadEastWestTls({ ca: join(dir, 'missing.pem'), cert, key })).toThrow(`--east-west-ca ${join(dir, 'missing.pem')}: no such file`);
    expect(() => loadEastWestTls({ ca: file('junk.pem', 'junk'), cert, key })).toThrow('--east-west-ca');
    expect(() => loadEastWestTls({ ca, cert: file('junk2.pem', 'junk'), key })).toThrow('--east-west-cert');
    expect(() => loadEastWestTls({ ca, cert, key: file('junk3.pem', 'junk') })).toThrow('--east-west-key');
    expect(() => loadEastWestTls({ ca, cert, key: file('k2.pem', other.clients.intruder!.key) })).toThrow('does not match the certificate');
    expect(() => loadEastWestTls({ ca, cert: file('c2.pem', other.clients.intruder!.cert), key: file('k3.pem', other.clients.intruder!.key) })).toThrow(
      'is not signed by the ClusterSet CA',
    );
  });
});
