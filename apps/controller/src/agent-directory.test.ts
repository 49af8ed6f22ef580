import { afterEach, describe, expect, it } from 'vitest';
import type { Heartbeat } from '@portway/bus';
import { AgentDirectory, agentId } from './agent-directory.js';

const hb = (cluster: string, agent: string, extra: Partial<Heartbeat> = {}): Heartbeat => ({ agent, cluster, at: 1, serving: {}, ready: true, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AgentDirectory', () => {
  let directory: AgentDirectory;
  afterEach(() => directory.stop());

  it('learns clusters and agents from heartbeats; a stopping agent is gone at once; clusters are remembered', () => {
    let changes = 0;
    directory = new AgentDirectory({ onMembershipChange: () => changes++ });
    directory.heartbeat(hb('east', 'a1', { addresses: ['127.0.0.2'] }));
    directory.heartbeat(hb('east', 'a2'));
    directory.heartbeat(hb('west', 'b1'));
    expect(directory.knownClusters()).toEqual(['east', 'west']);
    expect(directory.liveAgents('east')).toEqual(['a1', 'a2']);
    expect(directory.record('east', 'a1')).toMatchObject({ addresses: ['127.0.0.2'], state: 'connected', heartbeats: 1 });
    const before = changes;
    directory.heartbeat(hb('east', 'a1')); // nothing new
    expect(changes).toBe(before);
    directory.heartbeat(hb('west', 'b1', { stopping: true }));
    expect(directory.liveAgents('west')).toEqual([]);
    expect(directory.liveClusters()).toEqual(['east']);
    expect(directory.knownClusters()).toEqual(['east', 'west']);
    expect(changes).toBe(before + 1);
  });

  it('an agent without heartbeats turns stale (still live), then gone', async () => {
    directory = new AgentDirectory({ staleAfterMs: 60, goneAfterMs: 150, onMembershipChange: () => undefined });
    directory.heartbeat(hb('east', 'a1'));
    await sleep(100);
    expect(directory.record('east', 'a1')!.state).toBe('stale');
    expect(directory.liveAgents('east')).toEqual(['a1']);
    await sleep(120);
    expect(directory.record('east', 'a1')!.state).toBe('gone');
    expect(directory.liveAgents('east')).toEqual([]);
    directory.heartbeat(hb('east', 'a1'));
    expect(directory.liveAgents('east')).toEqual(['a1']);
  });

  it('names agents cluster/agent, or bare in single-cluster mode', () => {
    directory = new AgentDirectory({ onMembershipChange: () => undefined });
    expect(agentId('east', 'a1')).toBe('east/a1');
    expect(agentId('', 'standalone')).toBe('standalone');
  });
});
