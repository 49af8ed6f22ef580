import type { GrpcCase, HttpCase, PercentageMirrorCase, TcpEchoCase, TcpEchoRepeatCase, TrafficCase, UdpEchoCase, WebsocketCase, WeightedCase } from '../suite/types.js';
import type { CaseEnv, CaseOutcome } from './case-env.js';
import { runGrpcCase } from './grpc-case.js';
import { runHttpCase } from './http-case.js';
import { runHttpRepeat } from './http-repeat-case.js';
import { runPercentageMirror } from './percentage-mirror-case.js';
import { runTcpConnect, runTcpEcho, runTcpEchoRepeat, runTlsConnectionRejected } from './tcp-cases.js';
import { runDnsQuery, runUdpEcho } from './udp-cases.js';
import { runWebsocketCase } from './websocket-case.js';
import { runWeightedCase } from './weighted-case.js';

/** Case kinds this runner can send, by kind. */
export const CASE_KINDS = [
  'http',
  'httpWeighted',
  'httpRepeat',
  'httpPercentageMirror',
  'websocket',
  'grpc',
  'grpcWeighted',
  'tcpEcho',
  'tcpEchoRepeat',
  'tcpConnect',
  'tcpWeighted',
  'tlsConnectionRejected',
  'udpEcho',
  'udpEchoRepeat',
  'udpWeighted',
  'dnsQuery',
] as const;

/**
 * Runs one traffic case of any kind. Errors while preparing it (a missing Gateway address, a
 * Secret that is not there) fail the case with their message.
 */
export async function runCase(c: TrafficCase, env: CaseEnv, testName: string): Promise<CaseOutcome> {
  const label = { test: testName, case: c.index, name: c.name ?? `${c.kind} #${c.index}`, kind: c.kind };
  try {
    switch (c.kind) {
      case 'http':
        return await runHttpCase(c as unknown as HttpCase, env, label);
      case 'httpRepeat':
        return await runHttpRepeat(c as unknown as HttpCase & Record<string, unknown>, env, label);
      case 'httpWeighted':
      case 'grpcWeighted':
      case 'tcpWeighted':
      case 'udpWeighted':
        return await runWeightedCase(c as unknown as WeightedCase, env, label);
      case 'httpPercentageMirror':
        return await runPercentageMirror(c as unknown as PercentageMirrorCase, env, label);
      case 'websocket':
        return await runWebsocketCase(c as unknown as WebsocketCase, env, label, testName);
      case 'grpc':
        return await runGrpcCase(c as unknown as GrpcCase, env, label);
      case 'tcpEcho':
        return await runTcpEcho(c as unknown as TcpEchoCase, env, label);
      case 'tcpEchoRepeat':
        return await runTcpEchoRepeat(c as unknown as TcpEchoRepeatCase, env, label);
      case 'tcpConnect':
        return await runTcpConnect(c, env, label);
      case 'tlsConnectionRejected':
        return await runTlsConnectionRejected(c, env, label);
      case 'udpEcho':
      case 'udpEchoRepeat':
        return await runUdpEcho(c as unknown as UdpEchoCase, env, label);
      case 'dnsQuery':
        return await runDnsQuery(c, env, label);
      case 'meshHttp':
      case 'meshWeighted':
        return { ok: false, why: `${c.kind} cases are sent from inside a mesh (an echo client pod); this runner has no mesh client` };
      default:
        return { ok: false, why: `unknown case kind ${JSON.stringify(c.kind)}` };
    }
  } catch (e) {
    env.trace({ ...label, error: (e as Error).message, pass: false });
    return { ok: false, why: (e as Error).message };
  }
}
