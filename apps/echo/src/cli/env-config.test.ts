import { describe, expect, it } from 'vitest';
import { echoOptionsFromEnv, EnvConfigError, modeFromEnv } from './env-config.js';

const files: Record<string, string> = { '/c.pem': 'CERT', '/k.pem': 'KEY', '/ca.pem': 'CA' };
const read = (p: string): string => {
  const v = files[p];
  if (v === undefined) throw new Error('ENOENT');
  return v;
};

describe('CLI environment', () => {
  it('chooses the mode in upstream order', () => {
    expect(modeFromEnv({})).toBe('http');
    expect(modeFromEnv({ UDP_ECHO_SERVER: '1', TCP_ECHO_SERVER: '1' })).toBe('tcp');
    expect(modeFromEnv({ GRPC_ECHO_SERVER: 'yes', TCP_ECHO_SERVER: '1' })).toBe('grpc');
    expect(modeFromEnv({ UDP_ECHO_SERVER: '1' })).toBe('udp');
    expect(modeFromEnv({ DNS_ECHO_SERVER: '1' })).toBe('dns');
    expect(modeFromEnv({ GRPC_ECHO_SERVER: '' })).toBe('http');
  });

  it('reads ports, context and HTTP-mode TLS files (TLS_SERVER_PRIVKEY)', () => {
    expect(
      echoOptionsFromEnv(
        { HTTP_PORT: '8080', H2C_PORT: '8081', NAMESPACE: 'ns', POD_NAME: 'p', TLS_SERVER_CERT: '/c.pem', TLS_SERVER_PRIVKEY: '/k.pem', TLS_CLIENT_CACERTS: '/ca.pem' },
        read,
      ),
    ).toEqual({
      host: '127.0.0.1',
      mode: 'http',
      httpPort: 8080,
      h2cPort: 8081,
      tls: { cert: 'CERT', key: 'KEY', clientCAs: 'CA' },
      namespace: 'ns',
      podName: 'p',
      serviceName: '',
      ingressName: '',
    });
  });

  it('uses TLS_SERVER_PRIV_KEY in gRPC and TCP mode, as upstream spells it there', () => {
    const env = { GRPC_ECHO_SERVER: '1', TLS_SERVER_CERT: '/c.pem', TLS_SERVER_PRIVKEY: '/k.pem' };
    expect(echoOptionsFromEnv(env, read).tls).toBeUndefined();
    expect(echoOptionsFromEnv({ ...env, TLS_SERVER_PRIV_KEY: '/k.pem' }, read).tls).toEqual({ cert: 'CERT', key: 'KEY' });
    expect(echoOptionsFromEnv({ TCP_ECHO_SERVER: '1', HOST: '127.0.0.9', TLS_SERVER_CERT: '/c.pem', TLS_SERVER_PRIV_KEY: '/k.pem' }, read)).toMatchObject({
      host: '127.0.0.9',
      mode: 'tcp',
      tls: { cert: 'CERT', key: 'KEY' },
    });
  });

  it('names the variable in its errors', () => {
    expect(() => echoOptionsFromEnv({ HTTP_PORT: 'eighty' }, read)).toThrow(EnvConfigError);
    expect(() => echoOptionsFromEnv({ HTTP_PORT: 'eighty' }, read)).toThrow(/HTTP_PORT/);
    expect(() => echoOptionsFromEnv({ TLS_SERVER_CERT: '/missing', TLS_SERVER_PRIVKEY: '/k.pem' }, read)).toThrow(/TLS_SERVER_CERT: cannot read \/missing/);
  });
});
