import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { agentSessionMachine, agentSessionState, isLiveAgent, type AgentSessionEmitted } from './agent-session-machine.js';
import { emitted, scheduled, Stepper } from '../test/support.js';

const session = () => new Stepper(agentSessionMachine, { agent: 'a1', cluster: 'east', staleAfterMs: 3000, goneAfterMs: 10_000 });

describe('agentSessionMachine (pure transitions)', () => {
  it('starts connected, emits it, and arms the stale timer', () => {
    const s = session();
    expect(agentSessionState(s.snapshot)).toBe('connected');
    expect(emitted(s.actions)).toEqual([{ type: 'agent.connected', agent: 'a1', cluster: 'east' }]);
    expect(scheduled(s.actions)).toEqual([{ event: 'xstate.after.staleAfter.agentSession.connected.alive', delay: 3000 }]);
  });

  it('a heartbeat restarts the stale timer without emitting again, and keeps what it says', () => {
    const s = session().send({ type: 'HEARTBEAT', at: 1000, ready: true, serving: { 'default/gw': { revision: 3, hash: 'h3' } } });
    expect(emitted(s.actions)).toEqual([]);
    expect(s.actions.map((a) => (a as { type: string }).type)).toContain('xstate.cancel');
    expect(scheduled(s.actions)).toEqual([{ event: 'xstate.after.staleAfter.agentSession.connected.alive', delay: 3000 }]);
    expect(s.snapshot.context).toMatchObject({ heartbeats: 1, last: { at: 1000, ready: true, serving: { 'default/gw': { revision: 3, hash: 'h3' } } } });
  });

  it('goes stale, then gone, emitting each; stale agents are still live, gone ones are not', () => {
    const s = session().fire('staleAfter');
    expect(agentSessionState(s.snapshot)).toBe('stale');
    expect(isLiveAgent(s.snapshot)).toBe(true);
    expect(emitted(s.actions)).toEqual([{ type: 'agent.stale', agent: 'a1', cluster: 'east' }]);
    expect(scheduled(s.actions)).toEqual([{ event: 'xstate.after.goneAfterStale.agentSession.stale', delay: 7000 }]);
    s.fire('goneAfterStale');
    expect(agentSessionState(s.snapshot)).toBe('gone');
    expect(isLiveAgent(s.snapshot)).toBe(false);
    expect(emitted(s.actions)).toEqual([{ type: 'agent.gone', agent: 'a1', cluster: 'east' }]);
  });

  it('a heartbeat brings a stale or gone agent back to connected', () => {
    const s = session().fire('staleAfter').send({ type: 'HEARTBEAT' });
    expect(agentSessionState(s.snapshot)).toBe('connected');
    expect(emitted(s.actions)).toEqual([{ type: 'agent.connected', agent: 'a1', cluster: 'east' }]);
    s.fire('staleAfter').fire('goneAfterStale').send({ type: 'HEARTBEAT' });
    expect(agentSessionState(s.snapshot)).toBe('connected');
    expect(s.snapshot.context.heartbeats).toBe(2);
  });

  it('DISCONNECTED makes it gone at once', () => {
    const s = session().send({ type: 'DISCONNECTED' });
    expect(agentSessionState(s.snapshot)).toBe('gone');
    expect(emitted(s.actions)).toEqual([{ type: 'agent.gone', agent: 'a1', cluster: 'east' }]);
  });
});

describe('agentSessionMachine (actor with a simulated clock)', () => {
  it('follows heartbeats and missed heartbeats in time', () => {
    const clock = new SimulatedClock();
    const actor = createActor(agentSessionMachine, { clock, input: { agent: 'a1', staleAfterMs: 3000, goneAfterMs: 10_000 } });
    const events: string[] = [];
    for (const t of ['agent.connected', 'agent.stale', 'agent.gone'] as const) actor.on(t, (e: AgentSessionEmitted) => events.push(`${clock.now()} ${e.type}`));
    actor.start();
    clock.increment(2000);
    actor.send({ type: 'HEARTBEAT' }); // t=2000: stale now due at 5000
    clock.increment(2999);
    expect(agentSessionState(actor.getSnapshot())).toBe('connected');
    clock.increment(1); // t=5000
    expect(agentSessionState(actor.getSnapshot())).toBe('stale');
    clock.increment(7000); // t=12000: 10 s after the last heartbeat
    expect(agentSessionState(actor.getSnapshot())).toBe('gone');
    clock.increment(500);
    actor.send({ type: 'HEARTBEAT' });
    expect(agentSessionState(actor.getSnapshot())).toBe('connected');
    expect(events).toEqual(['0 agent.connected', '5000 agent.stale', '12000 agent.gone', '12500 agent.connected']);
    actor.stop();
  });
});
