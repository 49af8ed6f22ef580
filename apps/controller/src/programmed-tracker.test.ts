import { afterEach, describe, expect, it } from 'vitest';
import { ProgrammedTracker } from './programmed-tracker.js';

const ok = (revision: number, hash: string, listenersBound = ['l']) => ({ revision, hash, ok: true, listenersBound, errors: [] });

describe('ProgrammedTracker', () => {
  let tracker: ProgrammedTracker;
  afterEach(() => tracker.stop());

  it('tracks a Gateway per cluster and combines: Programmed once every live agent of every cluster acked', () => {
    tracker = new ProgrammedTracker(() => undefined);
    tracker.setAgents('east', ['east/a1']);
    tracker.setAgents('west', ['west/a1', 'west/a2']);
    for (const [cluster, revision] of [['east', 3], ['west', 4]] as const) {
      tracker.publishing(cluster, 'ns/gw');
      tracker.published(cluster, 'ns/gw', { generation: 1, revision, hash: `h${revision}`, listeners: ['l'] });
    }
    tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h3'));
    tracker.ack('west', 'west/a1', 'ns/gw', ok(4, 'h4'));
    let c = tracker.snapshot()['ns/gw']!.condition;
    expect(c.status).toBe('False');
    expect(c.message).toMatch(/^cluster west: Waiting for agent west\/a2 to serve revision 4/);
    tracker.ack('west', 'west/a2', 'ns/gw', ok(4, 'h4'));
    c = tracker.snapshot()['ns/gw']!.condition;
    expect(c.status).toBe('True');
    expect(tracker.servingAgents('west', 'ns/gw').sort()).toEqual(['west/a1', 'west/a2']);
    // An agent that applied the config but bound none of its listeners serves nothing.
    tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h3', []));
    expect(tracker.servingAgents('east', 'ns/gw')).toEqual([]);
  });

  it('an agent that goes away stops being waited for', () => {
    tracker = new ProgrammedTracker(() => undefined);
    tracker.setAgents('east', ['east/a1', 'east/a2']);
    tracker.published('east', 'ns/gw', { generation: 1, revision: 3, hash: 'h', listeners: ['l'] });
    tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h'));
    expect(tracker.snapshot()['ns/gw']!.condition.status).toBe('False');
    tracker.setAgents('east', ['east/a1']);
    expect(tracker.snapshot()['ns/gw']!.condition.status).toBe('True');
  });

  it('acks for a newer revision during a put are the controller\'s own; without a put they are adopted as published elsewhere', () => {
    tracker = new ProgrammedTracker(() => undefined);
    tracker.setAgents('east', ['east/a1']);
    tracker.published('east', 'ns/gw', { generation: 2, revision: 3, hash: 'h3', listeners: ['l'] });
    tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h3'));
    // The controller's own next revision: its ack may arrive before the put returns.
    tracker.publishing('east', 'ns/gw');
    tracker.ack('east', 'east/a1', 'ns/gw', ok(5, 'h5'));
    expect(tracker.clusterStates()['ns/gw']![0]!.externalRevision).toBeUndefined();
    tracker.published('east', 'ns/gw', { generation: 2, revision: 5, hash: 'h5', listeners: ['l'] });
    expect(tracker.snapshot()['ns/gw']!.condition.status).toBe('True');
    // A revision nobody here published, refused by the agent: the status says why.
    tracker.ack('east', 'east/a1', 'ns/gw', { revision: 9, hash: 'h9', ok: false, listenersBound: [], errors: [{ reason: 'Invalid', message: '/ports/0/port: must be <= 65535' }] });
    const c = tracker.snapshot()['ns/gw']!.condition;
    expect(c).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(c.message).toBe('cluster east: Agent east/a1 refused revision 9: /ports/0/port: must be <= 65535 (revision 9 was not published by the controller: a portway rollback, or another writer)');
    // The controller publishes again: its revision is in force once more.
    tracker.published('east', 'ns/gw', { generation: 2, revision: 10, hash: 'h5', listeners: ['l'] });
    tracker.ack('east', 'east/a1', 'ns/gw', ok(10, 'h5'));
    expect(tracker.snapshot()['ns/gw']!.condition.status).toBe('True');
    expect(tracker.clusterStates()['ns/gw']![0]!.externalRevision).toBeUndefined();
  });

  it('repeated outcomes (heartbeats) change nothing and notify nobody', () => {
    let changes = 0;
    tracker = new ProgrammedTracker(() => changes++);
    tracker.setAgents('east', ['east/a1']);
    tracker.published('east', 'ns/gw', { generation: 1, revision: 3, hash: 'h', listeners: ['l'] });
    tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h'));
    const before = changes;
    for (let i = 0; i < 5; i++) tracker.ack('east', 'east/a1', 'ns/gw', ok(3, 'h'));
    expect(changes).toBe(before);
  });

  it('a Gateway listed without any cluster is Pending with the message given', () => {
    tracker = new ProgrammedTracker(() => undefined);
    expect(tracker.snapshot(['ns/none'])['ns/none']!.condition).toEqual({
      type: 'Programmed',
      status: 'False',
      reason: 'Pending',
      message: 'No cluster has a live agent to serve this Gateway',
    });
  });
});
