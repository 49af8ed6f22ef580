import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { gatewayListenerStatus, gatewayProgrammedCondition, gatewayProgrammedMachine } from './gateway-programmed-machine.js';
import { scheduled, Stepper } from '../test/support.js';

const gw = () => new Stepper(gatewayProgrammedMachine, { gateway: 'default/gw' });
const evaluated = (generation: number, listeners = ['http', 'https'], accepted = true) =>
  ({ type: 'GRAPH_EVALUATED', generation, accepted, listeners }) as const;
const published = (generation: number, revision: number, hash: string, agents: string[]) =>
  ({ type: 'PUBLISHED', generation, revision, hash, agents }) as const;
const ack = (agent: string, revision: number, hash: string, opts: { ok?: boolean; bound?: string[]; errors?: { listener?: string; reason: string; message: string }[] } = {}) =>
  ({ type: 'ACK', agent, revision, hash, ok: opts.ok ?? true, listenersBound: opts.bound ?? ['http', 'https'], errors: opts.errors ?? [] }) as const;
const condition = (s: Stepper<typeof gatewayProgrammedMachine>) => gatewayProgrammedCondition(s.snapshot);

describe('gatewayProgrammedMachine (pure transitions)', () => {
  it('starts Unknown/Pending, waiting for the controller', () => {
    const s = gw();
    expect(s.value).toEqual({ pending: 'unevaluated' });
    expect(condition(s)).toEqual({ status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', observedGeneration: 0 });
  });

  it('reads False/Pending at the evaluated generation until published, and Invalid when not accepted', () => {
    const s = gw().send(evaluated(3));
    expect(s.value).toEqual({ pending: 'publishing' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 3 });
    expect(gatewayListenerStatus(s.snapshot).map((l) => [l.name, l.reason])).toEqual([
      ['http', 'Pending'],
      ['https', 'Pending'],
    ]);
    s.send(evaluated(3, ['http', 'https'], false));
    expect(s.value).toBe('invalid');
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Invalid', observedGeneration: 3 });
    // A publication while not accepted is ignored.
    s.send(published(3, 1, 'h1', ['a']));
    expect(s.value).toBe('invalid');
  });

  it('stays pending, saying no agent serves it, when published to no agent; an agent arriving must ack', () => {
    const s = gw().send(evaluated(1)).send(published(1, 1, 'h1', []));
    expect(s.value).toEqual({ pending: 'noAgents' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 1 });
    expect(condition(s).message).toMatch(/No agent serves this Gateway/);
    s.send({ type: 'AGENTS_CHANGED', agents: ['a'] });
    expect(s.value).toBe('awaitingAcks');
    expect(scheduled(s.actions)).toEqual([{ event: 'xstate.after.ackTimeout.gatewayProgrammed.awaitingAcks', delay: 10_000 }]);
    s.send(ack('a', 1, 'h1'));
    expect(s.value).toBe('programmed');
  });

  it('awaits every expected agent, then reads Programmed=True at that generation', () => {
    const s = gw().send(evaluated(1)).send(published(1, 7, 'h7', ['b', 'a']));
    expect(s.value).toBe('awaitingAcks');
    expect(scheduled(s.actions)).toHaveLength(1);
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 1 });
    expect(condition(s).message).toBe('Waiting for agents a, b to serve revision 7 (0 of 2 serving)');
    s.send(ack('a', 7, 'h7'));
    expect(s.value).toBe('awaitingAcks');
    expect(scheduled(s.actions)).toEqual([]); // an ack does not restart the timer
    expect(condition(s).message).toBe('Waiting for agent b to serve revision 7 (1 of 2 serving)');
    expect(gatewayListenerStatus(s.snapshot)[0]).toMatchObject({ programmed: false, reason: 'Pending', boundBy: ['a'] });
    s.send(ack('b', 7, 'h7'));
    expect(s.value).toBe('programmed');
    expect(condition(s)).toEqual({ status: 'True', reason: 'Programmed', message: 'Served at revision 7 by 2 agents: a, b', observedGeneration: 1 });
    expect(gatewayListenerStatus(s.snapshot).every((l) => l.programmed && l.reason === 'Programmed')).toBe(true);
  });

  it('ignores acks for other revisions or hashes', () => {
    const s = gw().send(evaluated(1)).send(published(1, 7, 'h7', ['a']));
    const before = s.snapshot.context.acks;
    s.send(ack('a', 6, 'h6'));
    s.send(ack('a', 7, 'other'));
    expect(s.snapshot.context.acks).toBe(before);
    expect(s.value).toBe('awaitingAcks');
  });

  it('an agent refusing the revision degrades the Gateway with its error', () => {
    const s = gw().send(evaluated(1)).send(published(1, 2, 'h2', ['a', 'b']));
    s.send(ack('a', 2, 'h2', { ok: false, bound: [], errors: [{ reason: 'Invalid', message: 'route table does not validate' }] }));
    expect(s.value).toEqual({ degraded: 'rejected' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Invalid', observedGeneration: 1 });
    expect(condition(s).message).toBe('Agent a refused revision 2: route table does not validate');
    expect(gatewayListenerStatus(s.snapshot)[0]).toMatchObject({ programmed: false, reason: 'Invalid' });
    // The agent retries and succeeds; b acks too.
    s.send(ack('a', 2, 'h2')).send(ack('b', 2, 'h2'));
    expect(s.value).toBe('programmed');
  });

  it('a listener left unbound degrades the Gateway and that listener, with the agent reason', () => {
    const s = gw().send(evaluated(1)).send(published(1, 2, 'h2', ['a']));
    s.send(ack('a', 2, 'h2', { bound: ['http'], errors: [{ listener: 'https', reason: 'AddressNotUsable', message: 'port 443 is in use' }] }));
    expect(s.value).toEqual({ degraded: 'rejected' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(condition(s).message).toBe('Agent a serves revision 2 without every listener: listener https: port 443 is in use');
    const [http, https] = gatewayListenerStatus(s.snapshot);
    expect(http).toMatchObject({ name: 'http', programmed: true, reason: 'Programmed' });
    expect(https).toMatchObject({ name: 'https', programmed: false, reason: 'Invalid', cause: 'AddressNotUsable', message: 'agent a: port 443 is in use' });
    // Missing listeners without an error are reported too.
    const t = gw().send(evaluated(1)).send(published(1, 2, 'h2', ['a'])).send(ack('a', 2, 'h2', { bound: ['http'] }));
    expect(condition(t)).toMatchObject({ reason: 'Invalid', message: 'Agent a serves revision 2 without every listener: listeners not bound: https' });
  });

  it('times out naming the agents behind; late acks still program it', () => {
    const s = gw().send(evaluated(1)).send(published(1, 3, 'h3', ['a', 'b', 'c']));
    const timer = s.actions;
    s.send(ack('a', 3, 'h3'));
    s.fire('ackTimeout', timer);
    expect(s.value).toEqual({ degraded: 'timedOut' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 1 });
    expect(condition(s).message).toBe('Agents b, c did not serve revision 3 within 10s (1 of 3 serving)');
    s.send(ack('b', 3, 'h3'));
    expect(s.value).toEqual({ degraded: 'timedOut' });
    s.send(ack('c', 3, 'h3'));
    expect(s.value).toBe('programmed');
  });

  it('stops waiting for an agent that is gone, and waits for a new live agent', () => {
    const s = gw().send(evaluated(1)).send(published(1, 3, 'h3', ['a', 'b'])).send(ack('a', 3, 'h3'));
    s.send({ type: 'AGENTS_CHANGED', agents: ['a'] });
    expect(s.value).toBe('programmed');
    expect(condition(s).message).toBe('Served at revision 3 by 1 agent: a');
    s.send({ type: 'AGENTS_CHANGED', agents: ['a', 'd'] });
    expect(s.value).toBe('awaitingAcks');
    expect(scheduled(s.actions)).toHaveLength(1); // a fresh ack timeout for the new agent
    expect(condition(s).message).toBe('Waiting for agent d to serve revision 3 (1 of 2 serving)');
    s.send(ack('d', 3, 'h3'));
    expect(s.value).toBe('programmed');
    s.send({ type: 'AGENTS_CHANGED', agents: [] });
    expect(s.value).toEqual({ pending: 'noAgents' });
    // A failing agent that goes away leaves the others to be waited for.
    const t = gw().send(evaluated(1)).send(published(1, 3, 'h3', ['a', 'b']));
    t.send(ack('a', 3, 'h3', { ok: false, bound: [], errors: [{ reason: 'Invalid', message: 'bad' }] }));
    t.send({ type: 'AGENTS_CHANGED', agents: ['b'] });
    expect(t.value).toBe('awaitingAcks');
  });

  it('a new generation resets to pending at that generation: never Programmed=True for a generation agents do not serve', () => {
    const s = gw().send(evaluated(1)).send(published(1, 1, 'h1', ['a'])).send(ack('a', 1, 'h1'));
    expect(s.value).toBe('programmed');
    s.send(evaluated(2));
    expect(s.value).toEqual({ pending: 'publishing' });
    expect(condition(s)).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 2 });
    // A late publication of the old generation changes nothing.
    s.send(published(1, 1, 'h1', ['a']));
    expect(s.value).toEqual({ pending: 'publishing' });
    s.send(published(2, 2, 'h2', ['a']));
    expect(s.value).toBe('awaitingAcks');
    expect(condition(s)).toMatchObject({ status: 'False', observedGeneration: 2 });
    s.send(ack('a', 1, 'h1')); // old revision: ignored
    expect(s.value).toBe('awaitingAcks');
    s.send(ack('a', 2, 'h2'));
    expect(condition(s)).toMatchObject({ status: 'True', observedGeneration: 2 });
  });

  it('ignores older and identical evaluations, restarts on a change of listeners at the same generation', () => {
    const s = gw().send(evaluated(2)).send(published(2, 5, 'h5', ['a'])).send(ack('a', 5, 'h5'));
    const programmed = s.snapshot;
    s.send(evaluated(1));
    expect(s.snapshot).toBe(programmed);
    s.send(evaluated(2));
    expect(s.value).toBe('programmed');
    expect(s.snapshot.context).toBe(programmed.context);
    s.send(evaluated(2, ['http']));
    expect(s.value).toEqual({ pending: 'publishing' });
  });

  it('counts an ack that arrives before its publication, and acks kept for a republished unchanged revision', () => {
    const s = gw().send(evaluated(1));
    s.send(ack('a', 4, 'h4'));
    s.send(published(1, 4, 'h4', ['a']));
    expect(s.value).toBe('programmed');
    // A spec change that does not change the configuration: the same revision is published for generation 2.
    s.send(evaluated(2));
    s.send(published(2, 4, 'h4', ['a']));
    expect(s.value).toBe('programmed');
    expect(condition(s)).toMatchObject({ status: 'True', observedGeneration: 2 });
  });
});

describe('gatewayProgrammedMachine (actor with a simulated clock)', () => {
  it('times out ackTimeoutMs after publication, not after the last ack, and recovers', () => {
    const clock = new SimulatedClock();
    const actor = createActor(gatewayProgrammedMachine, { clock, input: { gateway: 'default/gw', ackTimeoutMs: 2000 } }).start();
    actor.send(evaluated(1, ['http']));
    actor.send(published(1, 1, 'h1', ['a', 'b']));
    clock.increment(1500);
    actor.send(ack('a', 1, 'h1', { bound: ['http'] }));
    clock.increment(499);
    expect(actor.getSnapshot().value).toBe('awaitingAcks');
    clock.increment(1);
    expect(actor.getSnapshot().value).toEqual({ degraded: 'timedOut' });
    expect(gatewayProgrammedCondition(actor.getSnapshot()).message).toBe('Agent b did not serve revision 1 within 2s (1 of 2 serving)');
    actor.send(ack('b', 1, 'h1', { bound: ['http'] }));
    expect(gatewayProgrammedCondition(actor.getSnapshot()).status).toBe('True');
    // Programmed before the timeout: the timer is cancelled and never fires.
    actor.send(evaluated(2, ['http']));
    actor.send(published(2, 2, 'h2', ['a']));
    actor.send(ack('a', 2, 'h2', { bound: ['http'] }));
    clock.increment(5000);
    expect(actor.getSnapshot().value).toBe('programmed');
    actor.stop();
  });
});
