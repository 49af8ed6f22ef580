/**
 * Loopback addresses of a benchmark run, fixed so targets never collide: the backend, one
 * address per proxy under test, and Portway's own (its Gateway takes it from the address pool).
 */
export const BACKEND = { address: '127.0.90.1', port: 8080 } as const;

/** Address of the proxy under test named `name` (127.0.91.x:8000; Portway: 127.0.92.1:8080). */
export const TARGET_PORT = 8000;
export const PORTWAY_ADDRESS = '127.0.92.1';
export const PORTWAY_PORT = 8080;
export const PORTWAY_ADMIN = `${PORTWAY_ADDRESS}:19100`;

const TARGET_HOSTS: Record<string, string> = {
  nginx: '127.0.91.1',
  haproxy: '127.0.91.2',
  'http-proxy': '127.0.91.3',
  fastify: '127.0.91.4',
  'node-bare': '127.0.91.5',
};

export function targetAddress(name: string): string {
  const a = TARGET_HOSTS[name];
  if (a === undefined) throw new Error(`no address for target "${name}"`);
  return a;
}
