// npm start: serves examples/quickstart on http://127.0.0.1:8080.
// Starts an echo backend at every EndpointSlice address of the quickstart folder (as a cluster's
// pods would be), then `portway run -f examples/quickstart`, and stops everything on Ctrl-C.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startEcho } from '@portway/echo';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'examples/quickstart');
const workers = process.env.PORTWAY_WORKERS ?? '2';

const slices = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
  .filter((o) => o?.kind === 'EndpointSlice');

const echoes = [];
for (const slice of slices) {
  const service = slice.metadata.labels['kubernetes.io/service-name'];
  const port = slice.ports[0].port;
  let i = 0;
  for (const ep of slice.endpoints) {
    for (const host of ep.addresses) {
      echoes.push(
        await startEcho({ host, httpPort: port, h2cPort: null, podName: `${service}-quickstart-${i++}`, namespace: slice.metadata.namespace, log: () => {} }),
      );
    }
  }
}
console.log(`started ${echoes.length} echo backends`);

const portway = spawn(process.execPath, [join(root, 'apps/portway/dist/main.js'), 'run', '-f', dir, '--workers', workers], { stdio: 'inherit' });
const stop = async () => {
  portway.kill('SIGTERM');
  await Promise.all(echoes.map((e) => e.close()));
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

// Tell the user what to try once the Gateway serves.
for (let i = 0; i < 100; i++) {
  try {
    const res = await fetch('http://127.0.0.1:19000/readyz');
    if (res.ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`
Portway serves the quickstart on http://127.0.0.1:8080. Try:
  curl http://127.0.0.1:8080/                              # echo-v1
  curl http://127.0.0.1:8080/v2/hello                      # echo-v2 (by path)
  curl -H 'X-Version: v2' http://127.0.0.1:8080/            # echo-v2 (by header)
  curl -H 'Host: api.example.com' http://127.0.0.1:8080/    # echo-api (by host)
  for i in $(seq 20); do curl -s http://127.0.0.1:8080/split | grep '"pod"'; done   # 80/20 split
  npx portway status                                        # conditions of every object
Ctrl-C stops.`);
portway.on('exit', (code) => process.exit(code ?? 0));
