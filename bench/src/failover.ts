/**
 * bench:failover — how fast an agent stops sending to a dead or frozen local cluster and comes
 * back, under steady load.
 *
 * One agent process (WorkerDataPlane, 1 worker: the agent's primary runs the active health checks
 * and pushes results over IPC) serves cluster "east". Its config is built by the controller's
 * pipeline (admission → graph → translate for cluster "east") from YAML: a ServiceImport with
 * `trafficDistribution: PreferClose`, MCS-labelled EndpointSlices for two echo backends in "east"
 * and two in "west" (each its own process, on loopback: a flat network), a Portway BackendPolicy
 * (active HTTP checks every 100 ms, timeout 250 ms, 2 failures; passive ejection after 3 errors)
 * and an HTTPRoute that allows 2 retries on 502/503/504 with a 1 s backend timeout (a request
 * stalled on a frozen backend is retried elsewhere after it; shorter timeouts fire on healthy
 * backends when the shared machine stalls). East
 * answers 200, west 203, so each answer says which cluster served it.
 *
 * An open-loop constant-rate client (default 500 req/s) runs throughout. Twice the east backends
 * fail — first killed (SIGKILL: connections refused or reset), then frozen (SIGSTOP: connections
 * hang) — and then come back (restarted; SIGCONT).
 *
 * - `failover_ms`: from the fault to the send time of the first request of a run of at least 1 s
 *   of requests all answered by west in under STEADY_MS from leaving the client — traffic flows
 *   steadily to the remote cluster, no request stalled on a dead backend; measured whether or not
 *   a request failed.
 * - `window_requests`: requests sent between the fault and that moment; `failed_requests`: those of
 *   them that failed (connection error, no answer, or a status other than 200/203).
 * - `hang_*`: the same for the frozen backends.
 * - `failback_ms` / `failback_failed_requests`: from the moment the restarted backends listen again to the first
 *   request of such a run answered by east again, and the
 *   failures in that window (`hang_failback_*` for SIGCONT).
 *
 *   npm run bench:failover [-- --rate 500 --quick]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseManifests, snapshotOf } from '@portway/api';
import { assignAddresses, buildGraph } from '@portway/graph';
import { translate } from '@portway/translate';
import { intOption, parseBenchArgs } from './lib/args.js';
import { BENCH_DIST, scratchDir } from './lib/paths.js';
import { startProcess, waitUntil, type Child } from './lib/processes.js';
import { encodeGet, RawConnection } from './lib/raw-http-client.js';
import { note, printFigures, printTable } from './lib/report.js';

const GATEWAY = '127.0.80.1';
const GATEWAY_PORT = 8080;
const EAST = ['127.0.81.1', '127.0.81.2'];
const WEST = ['127.0.82.1', '127.0.82.2'];
const BACKEND_PORT = 8080;
const EAST_STATUS = 200;
const WEST_STATUS = 203;
/** An answer slower than this at the gateway is not "steady" traffic (a retry after a hang). */
const STEADY_MS = 100;
/** Enough for every request stalled by a frozen backend (1 s at the rate) not to queue in the client. */
const CONNECTIONS = 1024;

const args = parseBenchArgs(process.argv.slice(2), ['rate']);
const rate = intOption(args.values.rate, 'rate', 500);
const phaseMs = args.quick ? 3_000 : 5_000;

function manifests(): string {
  const slice = (cluster: string, addresses: string[]) => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-${cluster}
  namespace: default
  labels: {multicluster.kubernetes.io/service-name: echo, multicluster.kubernetes.io/source-cluster: ${cluster}}
addressType: IPv4
ports: [{name: http, port: ${BACKEND_PORT}, protocol: TCP}]
endpoints: [${addresses.map((a) => `{addresses: [${a}]}`).join(', ')}]
`;
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portway}
spec: {controllerName: portway.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: ${GATEWAY_PORT}, protocol: HTTP}]
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceImport
metadata: {name: echo, namespace: default}
spec:
  type: ClusterSetIP
  trafficDistribution: PreferClose
  ports: [{name: http, port: 80, protocol: TCP}]
---
${slice('east', EAST)}
---
${slice('west', WEST)}
---
apiVersion: portway.dev/v1alpha1
kind: BackendPolicy
metadata: {name: echo, namespace: default}
spec:
  targetRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: echo}]
  failover: [west]
  healthCheck:
    active: {type: HTTP, http: {path: /healthz}, interval: 100ms, timeout: 250ms, unhealthyThreshold: 2, healthyThreshold: 2}
    passive: {consecutiveErrors: 3, baseEjectionTime: 500ms, maxEjectionPercent: 100}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: echo, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: echo, port: 80}]
    retry: {attempts: 2, codes: [502, 503, 504]}
    timeouts: {request: 5s, backendRequest: 1s}
`;
}

/** The IR for cluster "east", built as the controller builds it. */
function buildConfigs(): unknown[] {
  const parsed = parseManifests(manifests(), 'failover.yaml');
  if (parsed.errors.length > 0) throw new Error(`bench manifests are invalid: ${JSON.stringify(parsed.errors)}`);
  const { snapshot } = snapshotOf(parsed.objects.map((o) => o.object));
  const graph = buildGraph(snapshot, { controllerName: 'portway.dev/gateway-controller', routeKinds: ['HTTPRoute'] });
  const { addresses } = assignAddresses(graph.gateways, [GATEWAY]);
  const configs = translate(graph, { cluster: 'east', addresses });
  const backend = Object.values(configs[0]?.backends ?? {})[0];
  if (backend?.clusterPolicy?.mode !== 'PreferClose' || backend.healthCheck?.active === undefined) {
    throw new Error(`the translated backend lacks PreferClose or its health check: ${JSON.stringify(backend)}`);
  }
  return configs;
}

interface Sample {
  /** Intended send time, ms since the run started. */
  t: number;
  /** When it went out on a connection, ms since the run started (after any wait for a free connection). */
  sent: number;
  /** Answer time, ms since the run started (NaN while unanswered). */
  done: number;
  status: number;
  failed: boolean;
}

/** Open-loop constant-rate load that records every request. */
class Load {
  readonly samples: Sample[] = [];
  private readonly request: Buffer;
  private readonly conns: RawConnection[];
  private readonly inFlight = new Map<RawConnection, Sample>();
  private readonly queue: Sample[] = [];
  private running = true;
  private readonly t0 = performance.now();

  constructor(origin: URL, path: string) {
    this.request = encodeGet(origin, path, {});
    this.conns = Array.from({ length: CONNECTIONS }, () => new RawConnection(origin.hostname, Number(origin.port), (c, status, failed) => this.onDone(c, status, failed)));
  }

  now(): number {
    return performance.now() - this.t0;
  }

  async run(): Promise<void> {
    const period = 1000 / rate;
    let sent = 0;
    while (this.running) {
      const due = Math.floor(this.now() / period) + 1;
      while (sent < due) {
        const s: Sample = { t: sent * period, sent: Number.NaN, done: Number.NaN, status: 0, failed: false };
        this.samples.push(s);
        this.queue.push(s);
        sent++;
      }
      for (const c of this.conns) {
        if (this.queue.length === 0) break;
        if (c.idle) this.send(c);
      }
      await sleep(1);
    }
  }

  private send(c: RawConnection): void {
    const s = this.queue.shift()!;
    this.inFlight.set(c, s);
    s.sent = this.now();
    c.send(this.request);
  }

  private onDone(c: RawConnection, status: number, failed: boolean): void {
    const s = this.inFlight.get(c);
    this.inFlight.delete(c);
    if (s !== undefined) {
      s.done = this.now();
      s.status = status;
      s.failed = failed;
    }
    if (this.running && this.queue.length > 0 && c.idle) this.send(c);
  }

  async stop(): Promise<void> {
    this.running = false;
    const end = Date.now() + 6_000;
    while (this.inFlight.size > 0 && Date.now() < end) await sleep(10);
    for (const c of this.conns) c.close();
  }
}

/**
 * Waits (at most 20 s) until the last two 250 ms windows were answered by `status` in under
 * STEADY_MS each, so a phase starts from steady traffic (or says it could not).
 */
async function steadyOn(load: Load, status: number, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    await sleep(250);
    const now = load.now();
    const recent = load.samples.filter((x) => x.t >= now - 750 && x.t < now - 250);
    if (recent.length > 0 && recent.every((x) => direct(x, status))) return;
    if (Date.now() > end) {
      note(`${what}: traffic did not become steady on ${status === EAST_STATUS ? 'east' : 'west'} within 20 s`);
      return;
    }
  }
}

/**
 * Answered by `status` without a stall: its own time at the gateway (answer − departure, so time
 * queued in the client on a loaded machine is not counted) is under STEADY_MS. A request that
 * waited for a frozen backend's timeout before its retry went to west is not steady.
 */
const direct = (s: Sample, status: number) => ok(s) && s.status === status && s.done - s.sent < STEADY_MS;

const ok = (s: Sample) => !s.failed && (s.status === EAST_STATUS || s.status === WEST_STATUS);

interface Transition {
  /** ms from the event to steady traffic on the target cluster (NaN: never within the window). */
  ms: number;
  window: number;
  failed: number;
  /** Failures anywhere between the event and the end of the observation. */
  failedAll: number;
  requests: number;
}

/** How long a run of direct answers must last to count as steady traffic. */
const STEADY_RUN_MS = 1_000;

/**
 * See the header: the first request that starts a run of at least STEADY_RUN_MS (by send time) of
 * requests all answered directly by `status`, between `from` and `until`.
 */
function transition(samples: readonly Sample[], from: number, until: number, status: number): Transition {
  const phase = samples.filter((s) => s.t >= from && s.t < until);
  let runStart = 0;
  let steadyFrom = -1;
  for (let i = 0; i < phase.length; i++) {
    if (!direct(phase[i]!, status)) {
      runStart = i + 1;
      continue;
    }
    if (phase[i]!.t - phase[runStart]!.t >= STEADY_RUN_MS) {
      steadyFrom = runStart;
      break;
    }
  }
  const end = steadyFrom >= 0 ? steadyFrom : phase.length;
  const window = phase.slice(0, end);
  return {
    ms: steadyFrom >= 0 ? Math.max(0, phase[steadyFrom]!.t - from) : Number.NaN,
    window: window.length,
    failed: window.filter((s) => !ok(s)).length,
    failedAll: phase.filter((s) => !ok(s)).length,
    requests: phase.length,
  };
}

async function main(): Promise<void> {
  const dir = scratchDir('failover');
  const file = join(dir, 'configs.json');
  writeFileSync(file, JSON.stringify(buildConfigs()));

  const echo = (address: string, status: number): Child => {
    const child = startProcess(`echo ${address}`, process.execPath, [join(BENCH_DIST, 'hosts', 'echo-host.js'), '--address', address, '--port', String(BACKEND_PORT), '--status', String(status)]);
    return child;
  };
  const ready = (c: Child) => waitUntil(`${c.name} to listen`, () => (c.output().includes('READY') ? true : undefined), { timeoutMs: 10_000, child: c });
  let east = EAST.map((a) => echo(a, EAST_STATUS));
  const west = WEST.map((a) => echo(a, WEST_STATUS));
  await Promise.all([...east, ...west].map(ready));

  const agent = startProcess('agent-host', process.execPath, [join(BENCH_DIST, 'hosts', 'agent-host.js'), '--configs', file, '--workers', '1', '--cluster', 'east']);
  await waitUntil('the agent to serve the config', () => (/READY \d+/.test(agent.output()) ? true : undefined), { timeoutMs: 30_000, child: agent });

  const load = new Load(new URL(`http://${GATEWAY}:${GATEWAY_PORT}`), '/');
  const running = load.run();
  const events: { name: string; at: number }[] = [];
  const mark = (name: string) => events.push({ name, at: load.now() });
  try {
    // Warm-up: until traffic flows steadily to east (JIT, connection pools), then a steady period.
    await steadyOn(load, EAST_STATUS, 'warm-up');
    mark('steady');
    await sleep(phaseMs / 2);

    // 1. Killed: connections refused (and open ones reset).
    mark('kill');
    for (const c of east) process.kill(-c.pid, 'SIGKILL');
    await sleep(phaseMs);
    // Back: new processes on the same ports; failback counts from the moment they listen.
    east = EAST.map((a) => echo(a, EAST_STATUS));
    await Promise.all(east.map(ready));
    mark('restart');
    await steadyOn(load, EAST_STATUS, 'failback after the restart');
    await sleep(phaseMs);

    // 2. Frozen: connections hang.
    mark('stop');
    for (const c of east) process.kill(-c.pid, 'SIGSTOP');
    await sleep(phaseMs);
    mark('cont');
    for (const c of east) process.kill(-c.pid, 'SIGCONT');
    await steadyOn(load, EAST_STATUS, 'failback after SIGCONT');
    await sleep(phaseMs);
    mark('end');
  } finally {
    await load.stop();
    await running;
    if (process.env.FAILOVER_DEBUG) console.error(agent.output());
    await agent.stop();
    await Promise.all([...east, ...west].map((c) => c.stop()));
  }

  const at = (name: string) => events.find((e) => e.name === name)!.at;
  const s = load.samples;
  writeFileSync(join(dir, 'samples.json'), JSON.stringify({ events, samples: s }));
  note(`every request's send time, answer time and status: ${join(dir, 'samples.json')}`);
  const steady = s.filter((x) => x.t >= at('steady') && x.t < at('kill'));
  const kill = transition(s, at('kill'), at('restart'), WEST_STATUS);
  // Requests sent just before the next fault may be caught by it: not part of the failback.
  const back = transition(s, at('restart'), at('stop') - 1_500, EAST_STATUS);
  const hang = transition(s, at('stop'), at('cont'), WEST_STATUS);
  const hangBack = transition(s, at('cont'), at('end') - 1_500, EAST_STATUS);
  const answered = s.filter((x) => !Number.isNaN(x.done));
  const spanS = (answered.at(-1)!.done - answered[0]!.t) / 1000;

  printTable(
    `Failover under ${rate} req/s (PreferClose, east local, west remote; steady = ${STEADY_RUN_MS} ms of requests all answered by the target cluster in < ${STEADY_MS} ms)`,
    ['phase', 'to', 'ms to steady', 'window requests', 'failed in window', 'failed in phase', 'requests in phase'],
    [
      ['east killed (refused)', 'west', kill.ms, kill.window, kill.failed, kill.failedAll, kill.requests],
      ['east restarted', 'east', back.ms, back.window, back.failed, back.failedAll, back.requests],
      ['east frozen (SIGSTOP)', 'west', hang.ms, hang.window, hang.failed, hang.failedAll, hang.requests],
      ['east resumed (SIGCONT)', 'east', hangBack.ms, hangBack.window, hangBack.failed, hangBack.failedAll, hangBack.requests],
    ],
  );
  printTable('Load', ['sent', 'answered', 'failed', 'achieved req/s', 'steady-state east share'], [
    [s.length, answered.length, s.filter((x) => !ok(x)).length, answered.length / spanS, steady.filter((x) => x.status === EAST_STATUS).length / Math.max(1, steady.length)],
  ]);
  note('the machine is shared with other work: timings are noisy; the health checks run every 100 ms (2 failures to leave, 2 successes to return)');
  printFigures('failover', {
    rate,
    failover_ms: Math.round(kill.ms),
    failed_requests: kill.failed,
    window_requests: kill.window,
    hang_failover_ms: Math.round(hang.ms),
    hang_failed_requests: hang.failed,
    hang_window_requests: hang.window,
    failback_ms: Math.round(back.ms),
    failback_failed_requests: back.failed,
    hang_failback_ms: Math.round(hangBack.ms),
    hang_failback_failed_requests: hangBack.failed,
    failed_total: s.filter((x) => !ok(x)).length,
    sent_total: s.length,
    quick: args.quick ? 'yes' : 'no',
  });
}

await main();
