import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyObject } from '@portway/api';
import { createFileSource, type FileSourceOptions, type ResourceSource, type SourceState } from '../src/index.js';
import { yamlDecode } from './yaml-decode.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` every 10 ms until it returns a truthy value; fails after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'portway-file-source-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A started source recording every state it reports. */
export interface Recorded {
  source: ResourceSource;
  states: SourceState[];
  latest: () => SourceState;
  /** Waits until the latest reported state satisfies `pred`. */
  waitFor: (pred: (s: SourceState) => boolean, what: string) => Promise<SourceState>;
}

export async function startRecorded(dir: string, options: Partial<FileSourceOptions> = {}): Promise<Recorded> {
  const states: SourceState[] = [];
  let uid = 0;
  const source = createFileSource({ dir, decode: yamlDecode, debounceMs: 50, newUid: () => `uid-${++uid}`, ...options });
  await source.start((s) => states.push(s));
  return {
    source,
    states,
    latest: () => states.at(-1)!,
    waitFor: (pred, what) =>
      waitUntil(() => {
        const s = states.at(-1);
        return s && pred(s) ? s : undefined;
      }, what),
  };
}

export const find = (s: SourceState, kind: string, name: string): AnyObject | undefined =>
  s.objects.find((o) => o.kind === kind && o.metadata.name === name);

export const pathOf = (o: AnyObject | undefined): string | undefined =>
  (o as { spec?: { rules?: { matches?: { path?: { value?: string } }[] }[] } } | undefined)?.spec?.rules?.[0]?.matches?.[0]?.path?.value;

export const names = (s: SourceState): string[] => s.objects.map((o) => `${o.kind}/${o.metadata.name}`);
