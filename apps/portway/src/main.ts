/**
 * The `portway` command line. Every command reuses the same core as the controller:
 * `translate` runs the graph and translator offline, `run` is the whole system in one process.
 */
import { cpus } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_AGENT_ADMIN } from './defaults.js';
import { addNatsOptions } from './nats-options.js';
import { portwayVersion } from './version.js';

// Commands load their modules when they run, so `portway status` and `portway version` start fast.
const DEFAULT_ADMIN = '127.0.0.1:19000';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};
const exit = (code: number) => {
  process.exitCode = code;
};
const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command('portway')
  .description('Portway: a Kubernetes Gateway API implementation for one cluster or many')
  .version(portwayVersion(), '-v, --version');

program
  .command('run')
  .description('standalone mode: controller, in-process bus and agent in one process, from a folder of YAML')
  .requiredOption('-f, --file <dir>', 'folder of Gateway API and Kubernetes YAML (watched)')
  .option('--workers <n>', 'proxy worker processes (0 = serve in this process)', int('--workers', 0), cpus().length)
  .option('--address-pool <range>', 'addresses Gateways without spec.addresses take, e.g. 127.0.100.1-127.0.100.50', '127.0.0.1')
  .option('--admin <host:port>', 'admin listener (/healthz, /readyz, /status, /config, /metrics)', DEFAULT_ADMIN)
  .option('--debounce-ms <ms>', 'quiet time before a folder change is applied', int('--debounce-ms', 0), 50)
  .option('--drain-timeout-ms <ms>', 'how long removed listeners (and a shutdown) let open requests, connections and UDP flows finish', int('--drain-timeout-ms', 1), 30_000)
  .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .action(async (o: { file: string; workers: number; addressPool: string; admin: string; logLevel: string; debounceMs: number; drainTimeoutMs: number }) => {
    const { runUntilSignal } = await import('./commands/run.js');
    await runUntilSignal({
      file: o.file,
      workers: o.workers,
      addressPool: o.addressPool,
      admin: o.admin,
      logLevel: o.logLevel,
      debounceMs: o.debounceMs,
      drainTimeoutMs: o.drainTimeoutMs,
    });
  });

addNatsOptions(
  program
    .command('controller')
    .description('the hub: publishes one config per Gateway and cluster to NATS; Programmed from the agents\' acks')
    .addOption(new Option('--provider <name>', 'where Gateway API objects come from').choices(['file', 'kubernetes']).default('file'))
    .option('-f, --file <dir>', 'folder of Gateway API and Kubernetes YAML (watched), for --provider file')
    .option('--kubeconfig <file>', 'kubeconfig for --provider kubernetes (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
    .option('--no-leader-elect', 'with --provider kubernetes: do not campaign on the Lease (by default only the replica holding it publishes and writes status; the others stand by)')
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease (default: $POD_NAMESPACE, else the kubeconfig context\'s namespace, else default); identity: $POD_NAME, else the host name with a random suffix')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'portway-controller')
    .option('--admin <host:port>', 'admin listener (/healthz, /readyz, /status, /agents, /history, /metrics)', DEFAULT_ADMIN)
    .option('--cluster-placement <rule>', 'clusters of Gateways without the portway.dev/clusters annotation ("east,west"), or of one Gateway ("ns/name=east"); repeatable', collect, [])
    .option('--cluster-gateway <cluster=host:port>', 'reach a cluster\'s endpoints through its agent\'s east-west listener (portway agent --east-west-listen) rather than directly; repeatable', collect, [])
    .option('--ack-timeout-ms <ms>', 'time agents have to serve a revision before Programmed reads a timeout', int('--ack-timeout-ms', 1), 10_000)
    .option('--agent-stale-ms <ms>', 'heartbeats missed for this long: the agent is stale (still waited for)', int('--agent-stale-ms', 1), 15_000)
    .option('--agent-gone-ms <ms>', 'heartbeats missed for this long: the agent is gone (no longer waited for)', int('--agent-gone-ms', 1), 60_000)
    .option('--discovery-ms <ms>', 'at start, how long to wait for the agents of clusters that hold configs before the first status', int('--discovery-ms', 0), 3_000)
    .option('--history <n>', 'revisions kept per Gateway and cluster (portway diff/rollback)', int('--history', 10), 10)
    .option('--derive-service-imports', 'create ServiceImports from the clusters\' ServiceExports (where no MCS implementation runs); oldest export wins conflicts')
    .option('--endpoint-stale-ms <ms>', 'an endpoint report not refreshed for this long is stale: its endpoints are dropped', int('--endpoint-stale-ms', 100), 6_000)
    .option('--debounce-ms <ms>', 'quiet time before a change is applied (file provider: after the last folder event; kubernetes provider: after the first watch event of a batch)', int('--debounce-ms', 0), 50)
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info')),
  'default',
).action(async (o: import('./commands/controller.js').ControllerCommandOptions) => {
  const { runControllerUntilSignal } = await import('./commands/controller.js');
  await runControllerUntilSignal(o);
});

addNatsOptions(
  program
    .command('agent')
    .description('a spoke: serves its cluster\'s configs from NATS on --address, acks them, heartbeats')
    .requiredOption('--cluster <name>', 'cluster this agent serves')
    .option('--name <name>', 'agent name, unique in its cluster (default: host name and address)')
    .option('--address <ip>', 'address bound for configs that list none', '127.0.0.1')
    .option('--workers <n>', 'proxy worker processes (0 = serve in this process)', int('--workers', 0), cpus().length)
    .option('--admin <host:port>', 'admin listener (/healthz, /readyz, /status)', DEFAULT_AGENT_ADMIN)
    .option('--heartbeat-ms <ms>', 'heartbeat period', int('--heartbeat-ms', 100), 2_000)
    .option('--drain-timeout-ms <ms>', 'how long a removed listener lets requests finish', int('--drain-timeout-ms', 0), 30_000)
    .option('--resources <dir>', 'this cluster\'s ServiceExports, Services and EndpointSlices (folder of YAML, watched): exported endpoints are published to the hub')
    .option('--export-refresh-ms <ms>', 'period of the endpoint reports\' refresh (their freshness at the hub)', int('--export-refresh-ms', 100), 2_000)
    .option('--cache-dir <dir>', 'keep the applied configs there; an agent started while the hub is out of reach serves them')
    .option('--cache-fallback-ms <ms>', 'how long the bus has to hand over the configs at start before the disk cache is served', int('--cache-fallback-ms', 0), 2_000)
    .option('--advertise <addresses>', 'addresses reported for Gateways\' status.addresses instead of --address (comma-separated IPs or host names: a load balancer in front of the agent)')
    .option('--advertise-service <selector>', 'report the load-balancer, external or node addresses of the agents\' Services with this label selector (read from the Kubernetes API, refreshed)')
    .option('--advertise-namespace <ns>', 'namespace of those Services (default $POD_NAMESPACE, else default)')
    .option('--kubeconfig <file>', 'kubeconfig for --advertise-service (default: in-cluster, then $KUBECONFIG / ~/.kube/config)')
    .option('--advertise-refresh-ms <ms>', 'how often --advertise-service reads the Services again', int('--advertise-refresh-ms', 100), 30_000)
    .option('--nats-domain <domain>', 'JetStream domain of the hub\'s buckets, for an agent connected to its spoke\'s leafnode server (portway nats-config --leafnodes)')
    .option('--east-west-listen <host:port>', 'east-west listener: other clusters reach this cluster\'s endpoints through it (mutual TLS; needs --east-west-ca/-cert/-key)')
    .option('--east-west-ca <file>', 'ClusterSet CA (PEM): east-west peers\' certificates must chain to it')
    .option('--east-west-cert <file>', 'this agent\'s ClusterSet certificate (PEM, serverAuth and clientAuth): served by --east-west-listen, presented to other clusters\' east-west listeners')
    .option('--east-west-key <file>', 'private key of --east-west-cert (PEM)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info')),
  'default',
).action(async (o: import('./commands/agent.js').AgentCommandOptions) => {
  const { runAgentUntilSignal } = await import('./commands/agent.js');
  await runAgentUntilSignal(o);
});

addNatsOptions(
  program
    .command('diff')
    .description('a readable diff of two revisions of a Gateway\'s config (default: the last two), from the bus history')
    .requiredOption('--gateway <ns/name>', 'the Gateway')
    .option('--cluster <name>', 'one cluster (default: every cluster holding the Gateway)')
    .option('--from <revision>', 'older revision', int('--from', 1))
    .option('--to <revision>', 'newer revision', int('--to', 1))
    .option('--list', 'list the stored revisions instead')
    .option('--admin <host:port>', 'read the history through a running controller (when --nats is not given)', DEFAULT_ADMIN),
  'optional',
).action(async (o: import('./commands/history.js').DiffOptions) => exit(await (await import('./commands/history.js')).diffCommand(o)));

addNatsOptions(
  program
    .command('rollback')
    .description('publish the config of an older revision again; it holds until the Gateway\'s own configuration changes')
    .requiredOption('--gateway <ns/name>', 'the Gateway')
    .requiredOption('--to-generation <revision>', 'the revision to restore (the bus revision, as portway diff --list shows it)', int('--to-generation', 1))
    .option('--cluster <name>', 'the cluster (default: the one holding that revision)'),
  'default',
).action(async (o: import('./commands/history.js').RollbackOptions) => exit(await (await import('./commands/history.js')).rollbackCommand(o)));

program
  .command('nats-config')
  .description('write a nats-server config for Portway: JetStream, a hub user and one user per agent cluster with only its keys and subjects')
  .requiredOption('--store-dir <dir>', 'JetStream store directory')
  .option('--listen <host:port>', 'client listener', '127.0.0.1:4222')
  .option('--hub <user[:password]>', 'the controller\'s user (random password when omitted)', 'portway-hub')
  .option('--cluster <name[=user[:password]]>', 'an agent cluster and its user (default user portway-agent-<name>, random password); repeatable', collect, [])
  .option('--tls-cert <file>', 'server certificate (turns on TLS)')
  .option('--tls-key <file>', 'server key')
  .option('--tls-ca <file>', 'CA of client certificates')
  .option('--verify-clients', 'require client certificates signed by --tls-ca')
  .option('-o, --output <file>', 'config file (default: stdout)')
  .option('--credentials-out <file>', 'users and passwords as shell variables (default: stderr)')
  .option('--leafnodes <host:port>', 'leafnode listener for the spoke clusters\' NATS servers (the hub\'s JetStream gets a domain)')
  .option('--domain <name>', 'the hub\'s JetStream domain, with --leafnodes (agents behind spokes pass it as --nats-domain)', 'hub')
  .option('--spoke-dir <dir>', 'with --leafnodes: write one spoke leafnode server config per cluster there (<cluster>.json)')
  .option('--spoke-listen <cluster=host:port>', 'client listener of a spoke server (default 0.0.0.0:4222); repeatable', collect, [])
  .option('--hub-leaf-url <url>', 'where the spokes dial the hub (default nats-leaf://<--leafnodes>)')
  .action(async (o: import('./commands/nats-config.js').NatsConfigOptions) => exit((await import('./commands/nats-config.js')).natsConfigCommand(o)));

program
  .command('translate')
  .description('print the status and data-plane config Portway would produce for a folder, without serving')
  .requiredOption('-f, --file <dir>', 'folder of YAML')
  .option('--address-pool <range>', 'address pool', '127.0.0.1')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
  .action(async (o: { file: string; addressPool: string; output: 'yaml' | 'json' }) =>
    exit(await (await import('./commands/offline.js')).translateCommand(o.file, o)),
  );

program
  .command('validate')
  .description('check a folder of YAML as the API server would (schemas, defaults, CEL rules)')
  .requiredOption('-f, --file <dir>', 'folder of YAML')
  .action(async (o: { file: string }) => exit(await (await import('./commands/offline.js')).validateCommand(o.file)));

program
  .command('status')
  .description("print every object's conditions from a running Portway")
  .option('--admin <host:port>', 'admin address of portway run / portway controller', DEFAULT_ADMIN)
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
  .action(async (o: { admin: string; output: 'table' | 'yaml' | 'json' }) =>
    exit(await (await import('./commands/status.js')).statusCommand(o.admin, o.output)),
  );

program
  .command('version')
  .description('print the version')
  .action(() => console.log(portwayVersion()));

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`portway: ${(e as Error).message}`);
  process.exit(1);
});
