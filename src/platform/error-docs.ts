import { ERROR_FAMILIES, ISO_8583_CODES, SERVICES, type ErrorFamily, type Iso8583Code } from './error-catalogue';

/** The error catalogue as data: GET /docs/errors.json, and what the page and docs/errors.md show. */
export interface ErrorCatalogue {
  services: Array<{ code: string; name: string }>;
  errors: Array<{ className: string; responseCode: string; status: number; caseCode: string; title: string; meaning: string; fix: string }>;
  iso8583: Iso8583Code[];
}

export function errorCatalogue(): ErrorCatalogue {
  const families = Object.entries(ERROR_FAMILIES) as Array<[string, ErrorFamily]>;
  return {
    // Sorted: '00' is no array index, so Object.entries would put it after the others.
    services: Object.entries(SERVICES)
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => a.code.localeCompare(b.code)),
    errors: families
      .map(([className, f]) => ({
        className,
        // `xx` stands for the service code of the route that answered.
        responseCode: f.fixedCode ?? `${f.status}xx${f.caseCode}`,
        status: f.status,
        caseCode: f.caseCode,
        title: f.title,
        meaning: f.meaning,
        fix: f.fix,
      }))
      .sort((a, b) => a.status - b.status || a.caseCode.localeCompare(b.caseCode)),
    iso8583: ISO_8583_CODES,
  };
}

const INTRO =
  'A SNAP `responseCode` is seven digits: the HTTP status (3), the service code of the operation (2) and the case code (2), e.g. `4049011` is a 404 of card issuance (service 90), case 11. Every answer carries one with a `responseMessage`; a validation error (400xx01, 400xx02) also names the input in `field`. The network API answers authorizations with ISO 8583 codes instead.';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/errors.md (`npm run docs:generate` writes it; a test fails when it is stale). */
export function errorCatalogueMarkdown(c: ErrorCatalogue = errorCatalogue()): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/platform/error-catalogue.ts by `npm run docs:generate`: edit the table, not this file. -->',
    '',
    INTRO,
    '',
    'Served as `GET /docs/errors` (HTML) and `GET /docs/errors.json`; the OpenAPI document (`/openapi.json`) lists each operation’s codes.',
    '',
    '## Service codes',
    '',
    '| Service | Operations |',
    '| --- | --- |',
    ...c.services.map((s) => `| ${s.code} | ${cell(s.name)} |`),
    '',
    '## Errors',
    '',
    '`xx` is the service code of the operation that answered.',
    '',
    '| responseCode | HTTP | Error | Meaning | How to fix |',
    '| --- | --- | --- | --- | --- |',
    ...c.errors.map((e) => `| \`${e.responseCode}\` | ${e.status} | ${cell(e.title)} (\`${e.className}\`) | ${cell(e.meaning)} | ${cell(e.fix)} |`),
    '',
    '## ISO 8583 response codes (network API)',
    '',
    'POST /network/v1/authorizations answers `responseCode` with one of these (HTTP 200, except `91`: HTTP 503 with Retry-After).',
    '',
    '| Code | Meaning | When | How to fix |',
    '| --- | --- | --- | --- |',
    ...c.iso8583.map((i) => `| \`${i.code}\` | ${cell(i.meaning)} | ${cell(i.when)} | ${cell(i.fix)} |`),
    '',
  ];
  return lines.join('\n');
}

const html = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Backticked code in the table's text, as <code>. */
const prose = (text: string): string => html(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const row = (cells: string[], tag = 'td'): string => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;

/** GET /docs/errors: the same catalogue as a page; no script, no inline style (the CSP allows neither). */
export function errorCataloguePage(c: ErrorCatalogue = errorCatalogue()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kartu error codes</title></head>
<body><main>
<h1>Error codes</h1>
<p>${prose(INTRO)}</p>
<p>As data: <a href="/docs/errors.json">/docs/errors.json</a>. Per operation: <a href="/docs">the API reference</a>.</p>
<h2>Service codes</h2>
<table><thead>${row(['Service', 'Operations'], 'th')}</thead><tbody>
${c.services.map((s) => row([html(s.code), html(s.name)])).join('\n')}
</tbody></table>
<h2>Errors</h2>
<p><code>xx</code> is the service code of the operation that answered.</p>
<table><thead>${row(['responseCode', 'HTTP', 'Error', 'Meaning', 'How to fix'], 'th')}</thead><tbody>
${c.errors.map((e) => row([`<code>${html(e.responseCode)}</code>`, String(e.status), `${html(e.title)} (<code>${html(e.className)}</code>)`, prose(e.meaning), prose(e.fix)])).join('\n')}
</tbody></table>
<h2>ISO 8583 response codes (network API)</h2>
<table><thead>${row(['Code', 'Meaning', 'When', 'How to fix'], 'th')}</thead><tbody>
${c.iso8583.map((i) => row([`<code>${html(i.code)}</code>`, html(i.meaning), prose(i.when), prose(i.fix)])).join('\n')}
</tbody></table>
</main></body></html>
`;
}
