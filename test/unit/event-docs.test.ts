import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventCatalogue, toHtml, toMarkdown } from '../../src/modules/events/event-docs';
import { EVENT_TYPES } from '../../src/modules/events/event-types';

describe('the event catalogue', () => {
  it('docs/events.md is what `npm run docs:generate` writes from the payload schemas today', () => {
    const checkedIn = readFileSync(path.resolve(__dirname, '../../docs/events.md'), 'utf8');
    expect(checkedIn, 'docs/events.md is stale: run npm run docs:generate').toBe(toMarkdown(eventCatalogue()));
  });

  it('has a section with payload fields for every event type, and its page carries no script or inline style', () => {
    const c = eventCatalogue();
    expect(c.sections.map((s) => s.heading)).toEqual([...EVENT_TYPES]);
    for (const s of c.sections) expect(s.rows.length, s.heading).toBeGreaterThan(0);
    const html = toHtml(c);
    expect(html).not.toMatch(/<script|style=|<style/i);
  });
});
