/**
 * Runs the API-server double as a process of its own (for measurements that must not count the
 * double's memory): `node --conditions=@portway/source --import tsx serve-main.ts '<options JSON>'`.
 * Prints `LISTENING <url>` once ready; stops on SIGTERM or when stdin closes.
 */
import { startApiServer, type ApiServerOptions } from './api-server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ApiServerOptions;
const server = await startApiServer(options);
process.stdout.write(`LISTENING ${server.url}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
