/**
 * `npm run docs:generate`: writes the docs generated from the code's tables (docs/errors.md from
 * the error catalogue, docs/events.md from the event payload schemas). Run from the build (dist/scripts); test/unit/error-catalogue-docs.test.ts
 * fails when a checked-in file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventCatalogue, toMarkdown } from '../src/modules/events/event-docs';
import { errorCatalogueMarkdown } from '../src/platform/error-docs';

const root = path.resolve(__dirname, '../..');
const generated: Record<string, string> = { 'docs/errors.md': errorCatalogueMarkdown(), 'docs/events.md': toMarkdown(eventCatalogue()) };
for (const [file, text] of Object.entries(generated)) {
  writeFileSync(path.join(root, file), text);
  console.log(`wrote ${file}`);
}
