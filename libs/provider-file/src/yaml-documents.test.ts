import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { splitYamlDocuments } from './yaml-documents.js';

const cases: Record<string, string> = {
  'no marker': 'a: 1\nb: [1, 2]\n',
  'leading marker': '---\na: 1\n---\nb: 2\n',
  'no leading marker': 'a: 1\n---\nb: 2\n---\nc: 3',
  'comments before the first marker': '# header\n\n# more\n---\na: 1\n---\nb: 2\n',
  'empty documents': 'a: 1\n---\n---\n# only a comment\n---\nb: 2\n---\n',
  'marker with a comment': '--- # first\na: 1\n---\t# second\nb: 2\n',
  'dashes inside values': 'a: |\n  ---\n  text\nb: "x\n  --- y"\nc: ----\n---\nd: 2\n',
  'list items': '- ---x\n- a\n---\n- b\n',
  'empty text': '',
  'only comments': '# nothing\n',
};

describe('splitYamlDocuments', () => {
  for (const [name, text] of Object.entries(cases)) {
    it(`splits as the YAML parser does: ${name}`, () => {
      const docs = splitYamlDocuments(text);
      expect(docs).toBeDefined();
      const whole = parseAllDocuments(text);
      const wholeDocs = Array.isArray(whole) ? whole : [];
      // One piece per document (a text without any document is one piece holding none).
      expect(docs!.length).toBe(Math.max(1, wholeDocs.length));
      if (wholeDocs.length === 0) return;
      expect(docs!.map((d) => (parseAllDocuments(d.text) as unknown[]).length)).toEqual(docs!.map(() => 1));
      docs!.forEach((d, i) => {
        const one = (parseAllDocuments(d.text) as ReturnType<typeof parseAllDocuments> & unknown[])[0]!;
        expect(one.toJS()).toEqual(wholeDocs[i]!.toJS());
        // Lines: the document's first line in the file is its offset + 1.
        expect(text.split('\n').slice(d.lineOffset).join('\n').startsWith(d.text)).toBe(true);
      });
    });
  }

  it('leaves texts with directives, document ends, markers with content, CR line ends or a BOM whole', () => {
    for (const text of ['%YAML 1.2\n---\na: 1\n', 'a: 1\n...\n---\nb: 2\n', '--- |\n  text\n', '--- {a: 1}\n', 'a: 1\r\n---\r\nb: 2\r\n', '\ufeffa: 1\n---\nb: 2\n']) {
      expect(splitYamlDocuments(text)).toBeUndefined();
    }
  });
});
