#!/usr/bin/env node
// `npm run demo:clusterset`: a local ClusterSet on loopback — a hub nats-server, two spoke
// leafnode servers (east, west), `portway controller`, one `portway agent` per cluster and echo
// backends exporting the same Service in each cluster — then prints what to curl. Ctrl-C stops
// everything. The launcher is the one the ClusterSet end-to-end tests use
// (apps/portway/src/demo/clusterset.ts, run here from the build).
import { LocalClusterSet } from '../apps/portway/dist/demo/clusterset.js';

const verbose = process.argv.includes('--verbose');
console.log('starting the ClusterSet (hub NATS, spokes east and west, controller, agents, echo backends)...');
let set;
try {
  set = await LocalClusterSet.start({
    onLine: verbose ? (label, line) => console.log(`[${label}] ${line}`) : undefined,
    logLevel: verbose ? 'info' : 'warn',
  });
} catch (e) {
  console.error(`demo:clusterset: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
console.log(set.describe());
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping...');
  await set.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
