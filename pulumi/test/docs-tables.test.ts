import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../src/paths.js';
import { CHECKS, IMAGE_NEEDS } from './cluster/image-needs.js';
import { pulumiDocTables, withPulumiTables } from './support/doc-tables.js';

describe('documents: the node sizes and the images\' needs are written from the program and the model (npm run docs)', function () {
  it('README.md and docs/cluster-model.md hold the tables as generated', function () {
    for (const document of Object.keys(pulumiDocTables())) {
      const text = readFileSync(path.join(REPO_ROOT, document), 'utf8');
      expect(withPulumiTables(document, text) === text, `${document} is stale: run npm run docs`).to.equal(true);
    }
    const model = readFileSync(path.join(REPO_ROOT, 'docs', 'cluster-model.md'), 'utf8');
    for (const needs of IMAGE_NEEDS) expect(model).to.include(`**${needs.image}:${needs.tag}**`);
  });

  it('each check the image table names is a test that exists', function () {
    const dir = path.join(REPO_ROOT, 'pulumi', 'test');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    for (const [key, title] of Object.entries(CHECKS)) {
      expect(sources.includes(`'${title}'`) || sources.includes(`"${title}"`) || sources.includes(`CHECKS.${key}`), key).to.equal(true);
    }
  });
});
