/**
 * Splits a multi-document YAML text into its documents without parsing it, so that a file whose
 * documents mostly did not change is decoded only where it changed (decoding — YAML, schema,
 * admission — is by far the costliest part of reading a file).
 *
 * YAML forbids a document marker (`---` or `...` at the start of a line, followed by a space, a
 * tab or the end of the line) anywhere inside a document, even inside block or quoted scalars,
 * so the lines starting with `---` are exactly where documents start. What comes before the first
 * marker is a document of its own unless it holds only comments and blank lines. Texts this
 * simple rule might get wrong — with directives (`%`), document end markers (`...`), content
 * after a marker on its line, a byte order mark, or CR line ends — are not split (`undefined`):
 * the caller decodes them whole.
 */

/** One document: its text (from its `---` line, if any) and the number of lines before it. */
export interface YamlDocumentText {
  readonly text: string;
  readonly lineOffset: number;
}

/** The documents of `text` in order, or `undefined` when the text must be decoded whole. */
export function splitYamlDocuments(text: string): YamlDocumentText[] | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.includes('\r')) return undefined;
  const starts: { offset: number; line: number }[] = [];
  let line = 0;
  for (let i = 0; i < text.length; ) {
    const end = text.indexOf('\n', i);
    const stop = end < 0 ? text.length : end;
    const c = text.charCodeAt(i);
    if (c === 37 /* % */) return undefined;
    if (c === 45 /* - */ && text.startsWith('---', i)) {
      const rest = text.slice(i + 3, stop);
      if (rest.length === 0 || /^[ \t]/.test(rest)) {
        // Only a comment may follow the marker on its line (`--- |` and the like: decode whole).
        if (rest.trim() !== '' && !rest.trim().startsWith('#')) return undefined;
        starts.push({ offset: i, line });
      }
    } else if (c === 46 /* . */ && text.startsWith('...', i)) {
      const rest = text.slice(i + 3, stop);
      if (rest.length === 0 || /^[ \t]/.test(rest)) return undefined;
    }
    if (end < 0) break;
    i = end + 1;
    line++;
  }
  const docs: YamlDocumentText[] = [];
  const first = starts[0]?.offset ?? text.length;
  const prefix = text.slice(0, first);
  const prefixIsDocument = prefix.split('\n').some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (prefixIsDocument || starts.length === 0) docs.push({ text: prefix, lineOffset: 0 });
  starts.forEach((s, k) => {
    const from = k === 0 && !prefixIsDocument ? 0 : s.offset;
    const to = starts[k + 1]?.offset ?? text.length;
    docs.push({ text: text.slice(from, to), lineOffset: from === 0 ? 0 : s.line });
  });
  return docs;
}
