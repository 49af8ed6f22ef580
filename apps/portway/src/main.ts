/**
 * The `portway` command line. Every command reuses the same core as the controller:
 * `translate` runs the graph and translator offline, `run` is the whole system in one process.
 */
import { cpus } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
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
  .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .action(async (o: { file: string; workers: number; addressPool: string; admin: string; logLevel: string; debounceMs: number }) => {
    const { runUntilSignal } = await import('./commands/run.js');
    await runUntilSignal({ file: o.file, workers: o.workers, addressPool: o.addressPool, admin: o.admin, logLevel: o.logLevel, debounceMs: o.debounceMs });
  });

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
