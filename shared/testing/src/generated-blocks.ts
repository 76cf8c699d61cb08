/**
 * Generated blocks in the project's documents: the text between `<!-- generated: NAME -->`
 * and `<!-- end: NAME -->` is written from one source (`npm run docs`), and a test fails
 * when a document holds something else there.
 */
const block = (name: string) => new RegExp(`(<!-- generated: ${name} -->\\n)[\\s\\S]*?(<!-- end: ${name} -->)`);

/** The document with each named block holding its table; throws when a block is missing. */
export function withGeneratedBlocks(text: string, tables: Record<string, string>, document: string): string {
  let out = text;
  for (const [name, table] of Object.entries(tables)) {
    if (!block(name).test(out)) throw new Error(`${document} has no <!-- generated: ${name} --> … <!-- end: ${name} --> block`);
    out = out.replace(block(name), (_, start: string, end: string) => `${start}${table}\n${end}`);
  }
  return out;
}
