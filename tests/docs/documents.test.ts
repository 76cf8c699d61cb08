import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { README, ROOT } from './doc-tables.js';

const DOCS = path.join(ROOT, 'docs');
const documents = [README, ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f))];
const named = (file: string) => path.relative(ROOT, file);

/** The repository's own folders: a backticked path that starts with one of them must exist. */
const REPO_FOLDERS = ['scripts/', 'services/', 'shared/', 'pulumi/', 'tests/', 'docs/', '.github/', '.ci/'];

/** Markdown link targets in the repository (not URLs, not in-page anchors), with the file each resolves to. */
export function linkTargets(file: string, text: string): { target: string; resolved: string }[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target))
    .map((target) => ({ target, resolved: path.resolve(path.dirname(file), target.split('#')[0]!) }));
}

/** Backticked repository paths: no placeholders (`<name>`, `*`), no build output. */
export function repoPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!.replace(/[:,.]+$/, '').split('#')[0]!)
    .filter((p) => REPO_FOLDERS.some((folder) => p.startsWith(folder)) && !/[<>*{}$]/.test(p) && !p.includes('/dist/'));
}

/**
 * Wording that tells the story of the work instead of the system: sittings of the team,
 * ordinal work periods, diary dates. "session" stays allowed where it names a mechanism
 * (a consumer's session timeout, a database session's advisory lock).
 */
export function storyWording(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/[^\n]*\bsessions?\b[^\n]*/gi)) {
    const line = m[0];
    if (!/session[ .-]?timeout|SESSION_TIMEOUT|sessionTimeout|their old sessions|a \d+ s session|session advisory/i.test(line)) found.push(line.trim());
  }
  for (const m of text.matchAll(/\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth) (session|sitting|day of work)\b/gi)) found.push(m[0]);
  for (const m of text.matchAll(/\b(today's numbers|this session|last session|next session|so far in this work)\b/gi)) found.push(m[0]);
  return found;
}

describe('the README and docs/ stand on their own', function () {
  it('the README is a front door: at most 250 lines', function () {
    const lines = readFileSync(README, 'utf8').split('\n').length;
    expect(lines, 'README.md lines').to.be.at.most(250);
  });

  it('every link between the documents, and to the repository, reaches a file that exists', function () {
    const broken = documents.flatMap((file) =>
      linkTargets(file, readFileSync(file, 'utf8'))
        .filter(({ resolved }) => !existsSync(resolved))
        .map(({ target }) => `${named(file)} → ${target}`),
    );
    expect(broken).to.deep.equal([]);
  });

  it('every file or folder of the repository a document names in backticks exists', function () {
    const missing = documents.flatMap((file) =>
      repoPaths(readFileSync(file, 'utf8'))
        .filter((p) => !existsSync(path.join(ROOT, p)))
        .map((p) => `${named(file)}: ${p}`),
    );
    expect(missing).to.deep.equal([]);
  });

  it('no document sends the reader outside the repository for how the system works', function () {
    const outside = documents.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [
        ...linkTargets(file, text).filter(({ resolved }) => !resolved.startsWith(ROOT + path.sep)).map(({ target }) => target),
        ...[...text.matchAll(/\.\.\/shared\/|SPEC\.md|MEASURED\.md/g)].map((m) => m[0]),
      ].map((target) => `${named(file)} → ${target}`);
    });
    expect(outside).to.deep.equal([]);
  });

  it('the documents describe the system, not the story of the work on it', function () {
    const story = documents.flatMap((file) => storyWording(readFileSync(file, 'utf8')).map((line) => `${named(file)}: ${line}`));
    expect(story).to.deep.equal([]);
  });

  it('the checks can fail', function () {
    const here = path.join(DOCS, 'x.md');
    expect(linkTargets(here, 'see [a](a.md#top), [b](https://example.com), [c](#c)')).to.deep.equal([{ target: 'a.md#top', resolved: path.join(DOCS, 'a.md') }]);
    expect(repoPaths('`shared/db/src/knex.ts`, `services/<name>/`, `tests/dist/x.js`, `npm test`, `scripts/x.sh:`')).to.deep.equal([
      'shared/db/src/knex.ts',
      'scripts/x.sh',
    ]);
    expect(storyWording('measured in the fourth session')).to.have.length(2);
    expect(storyWording('This session added paging.')).to.not.deep.equal([]);
    expect(storyWording('after CONSUMER_SESSION_TIMEOUT_MS (4.5 s); the consumer session timeout; a session advisory lock')).to.deep.equal([]);
  });
});
