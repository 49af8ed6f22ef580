import { describe, expect, it } from 'vitest';
import { applyRead, emptyContribution } from './file-contribution.js';
import type { Decode } from './source-types.js';
import { yamlDecode } from '../test/yaml-decode.js';
import { docs, route } from '../test/manifests.js';

/** The test decoder, counting the documents it is given. */
function counting(): { decode: Decode; decoded: () => number } {
  let n = 0;
  return {
    decode: (text, file) => {
      n += text.split(/^---/m).filter((d) => d.trim() !== '').length;
      return yamlDecode(text, file);
    },
    decoded: () => n,
  };
}

describe('applyRead, document by document', () => {
  it('decodes only the documents that changed and keeps the objects of the others', () => {
    const c = counting();
    const first = applyRead(emptyContribution('/cfg/routes.yaml'), docs(route('r1'), route('r2'), route('r3')), c.decode);
    expect(c.decoded()).toBe(3);
    const second = applyRead(first, docs(route('r1'), route('r2', { path: '/edited' }), route('r3')), c.decode);
    expect(c.decoded()).toBe(4);
    const objects = (x: typeof first) => [...x.objects.values()].map((o) => o.object);
    expect(objects(second)[0]).toBe(objects(first)[0]);
    expect(objects(second)[2]).toBe(objects(first)[2]);
    expect(objects(second)[1]).not.toBe(objects(first)[1]);
    expect([...second.objects.values()].map((o) => o.index)).toEqual([0, 1, 2]);
  });

  it('gives the same objects, indexes, errors and lines as decoding the whole text', () => {
    const text = `${docs(route('r1'), 'kind: HTTPRoute\n', route('r2'), 'a: [unclosed\n', route('r3'))}\n---\n`;
    const whole = yamlDecode(text, '/cfg/x.yaml');
    const split = applyRead(emptyContribution('/cfg/x.yaml'), text, yamlDecode);
    expect([...split.objects.values()].map((o) => ({ name: o.object.metadata.name, index: o.index }))).toEqual(
      whole.objects.map((o) => ({ name: o.object.metadata.name, index: o.index })),
    );
    // (The test decoder's YAML messages also name the line within the text they were given.)
    const norm = (errors: readonly { message: string }[]) => errors.map((e) => ({ ...e, message: e.message.replace(/ at line \d+, column \d+:?/, '') }));
    expect(norm(split.errors)).toEqual(norm(whole.errors));
    expect(split.errors.length).toBe(2);
  });
});
