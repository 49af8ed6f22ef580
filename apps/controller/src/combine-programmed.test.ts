import { describe, expect, it } from 'vitest';
import type { GatewayPhase } from '@portway/lifecycle';
import { combineProgrammed, type ClusterProgrammed } from './combine-programmed.js';

const state = (cluster: string, phase: GatewayPhase, status: 'True' | 'False' | 'Unknown', reason: string, message: string, listeners: ClusterProgrammed['listenerStatus'] = []): ClusterProgrammed => ({
  cluster,
  phase,
  condition: { status, reason, message, observedGeneration: 1 },
  listenerStatus: listeners,
});
const bound = (name: string) => ({ name, programmed: true, reason: 'Programmed' as const, message: 'Listener is programmed', boundBy: ['a'] });

describe('combineProgrammed', () => {
  it('a Gateway published nowhere is Pending with the given message', () => {
    expect(combineProgrammed([], 'No cluster has a live agent')).toEqual({
      condition: { type: 'Programmed', status: 'False', reason: 'Pending', message: 'No cluster has a live agent' },
      listeners: {},
    });
  });

  it('single-cluster mode keeps the lifecycle message as it is', () => {
    const r = combineProgrammed([state('', 'programmed', 'True', 'Programmed', 'Served at revision 3 by 1 agent: standalone', [bound('l')])], 'x');
    expect(r.condition).toEqual({ type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Served at revision 3 by 1 agent: standalone' });
    expect(r.listeners).toEqual({ l: { programmed: true } });
  });

  it('True only when every cluster with live agents serves; clusters without agents are named, not waited for', () => {
    const r = combineProgrammed(
      [state('west', 'noAgents', 'False', 'Pending', 'No agent serves this Gateway'), state('east', 'programmed', 'True', 'Programmed', 'Served at revision 5 by 1 agent: east/a1', [bound('l')])],
      'x',
    );
    expect(r.condition.status).toBe('True');
    expect(r.condition.message).toBe('cluster east: Served at revision 5 by 1 agent: east/a1; cluster west: no live agent (not waited for)');
    expect(r.listeners).toEqual({ l: { programmed: true } });
  });

  it('a cluster behind makes it False/Pending naming that cluster first; a refusal outranks waiting', () => {
    const waiting = state('west', 'awaitingAcks', 'False', 'Pending', 'Waiting for agent west/a2 to serve revision 9 (0 of 1 serving)', [
      { name: 'l', programmed: false, reason: 'Pending', message: 'Waiting for west/a2', boundBy: [] },
    ]);
    const serving = state('east', 'programmed', 'True', 'Programmed', 'Served at revision 8 by 1 agent: east/a1', [bound('l')]);
    const r = combineProgrammed([serving, waiting], 'x');
    expect(r.condition).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(r.condition.message).toBe('cluster west: Waiting for agent west/a2 to serve revision 9 (0 of 1 serving); cluster east: Served at revision 8 by 1 agent: east/a1');
    expect(r.listeners.l).toEqual({ programmed: false, reason: 'Pending', message: 'cluster west: Waiting for west/a2' });

    const refused = state('north', 'rejected', 'False', 'Invalid', 'Agent north/a3 refused revision 4: bad port', [
      { name: 'l', programmed: false, reason: 'Invalid', message: 'agent north/a3: bad port', boundBy: [] },
    ]);
    const r2 = combineProgrammed([waiting, refused, serving], 'x');
    expect(r2.condition).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(r2.condition.message.startsWith('cluster north: Agent north/a3 refused revision 4: bad port; cluster west:')).toBe(true);
    expect(r2.listeners.l).toMatchObject({ programmed: false, reason: 'Invalid' });
  });

  it('says when the revision in force was published outside the controller', () => {
    const r = combineProgrammed([{ ...state('east', 'programmed', 'True', 'Programmed', 'Served at revision 12 by 1 agent: east/a1'), externalRevision: 12 }], 'x');
    expect(r.condition.message).toBe('cluster east: Served at revision 12 by 1 agent: east/a1 (revision 12 was not published by the controller: a portway rollback, or another writer)');
  });

  it('all clusters without agents: Pending, from the lifecycle', () => {
    const r = combineProgrammed([state('east', 'noAgents', 'False', 'Pending', 'No agent serves this Gateway: revision 2 is published, waiting for an agent')], 'x');
    expect(r.condition).toEqual({ type: 'Programmed', status: 'False', reason: 'Pending', message: 'cluster east: No agent serves this Gateway: revision 2 is published, waiting for an agent' });
  });
});
