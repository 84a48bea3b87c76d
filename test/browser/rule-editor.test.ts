import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, expectAccessible, type Locale } from '../support/browser';
import { adminCall, exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * The rule editor in a real browser: a rule written visually (gambling, and an amount of at least
 * IDR 1,000,000 or five approvals in the last hour, in an any-group), the JSON view and back, an
 * edit in JSON seen in the rows, a server 4009501 on its row, a test against a sample with the
 * decision and the trace, save as shadow; a new version in Indonesian from a stored one, tested
 * against a recent authorization; a viewer sent from a card, with it chosen and no save button; axe
 * in both languages.
 */

const b = browserSuite();

/** expect.poll with time for a page to load its chunks and answers. */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 10_000 });
}

const row = (page: Page, lang: Locale, label: string) => page.getByRole('group', { name: tr(lang, 'ruleEditor.condition.label', { label }), exact: true });
const group = (page: Page, lang: Locale, label: string) => page.getByRole('group', { name: tr(lang, 'ruleEditor.group.label', { label }), exact: true });
const jsonBox = (page: Page, lang: Locale) => page.getByLabel(tr(lang, 'ruleEditor.json.label'), exact);
const toView = (page: Page, lang: Locale, view: 'visual' | 'json') => page.getByRole('button', { name: tr(lang, `ruleEditor.view.${view}`), exact: true }).click();
const isFocused = (l: Locator) => l.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);

const GAMBLING_RULE = {
  name: 'big-gambling',
  priority: 1,
  conditions: {
    all: [
      { fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] },
      {
        any: [
          { fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 100_000_000 },
          { fact: 'velocity', path: '$.approvedCount1h', operator: 'greaterThanInclusive', value: 5 },
          { fact: 'merchant', path: '$.country', operator: 'inCountries', value: ['ID', 'SG'] },
        ],
      },
    ],
  },
  event: { type: 'decline', params: { reason: 'gambling over a million', responseCode: '57' } },
};

describe('rule editor', () => {
  it('writes a rule visually, round-trips it through JSON, shows a server error on its row, tests it and saves it as shadow (en)', async () => {
    const biz = await b.seedBusiness();
    const lang = 'en';
    const page = await b.open('/dashboard/policies/new', { as: biz.admins.finance_admin, locale: lang, allowFailures: [{ url: /^\/admin\/v1\/policies\/test$/, status: 400 }] });
    await heading(page, tr(lang, 'ruleEditor.page.newTitle'));
    await page.getByLabel(tr(lang, 'ruleEditor.page.name'), exact).fill('No big gambling');

    // The starter rule, shaped: its name, outcome and code.
    await page.getByLabel(tr(lang, 'ruleEditor.rule.name'), exact).fill('big-gambling');
    await page.getByLabel(tr(lang, 'ruleEditor.rule.reason'), exact).fill('gambling over a million');
    await page.getByLabel(tr(lang, 'ruleEditor.rule.responseCode'), exact).selectOption('57');

    // Condition 1.1: the MCC in the gambling group.
    const first = row(page, lang, '1.1');
    await first.getByLabel(tr(lang, 'ruleEditor.condition.fact'), exact).selectOption('merchant.mcc');
    await first.getByLabel(tr(lang, 'ruleEditor.condition.operator'), exact).selectOption('inMccGroup');
    await first.getByLabel(tr(lang, 'ruleEditor.condition.value'), exact).fill('gambling');
    await first.getByRole('button', { name: tr(lang, 'ruleEditor.value.addTo', { list: tr(lang, 'ruleEditor.condition.value') }) }).click();
    await first.getByRole('list', { name: tr(lang, 'ruleEditor.value.entriesOf', { list: tr(lang, 'ruleEditor.condition.value') }) }).getByText('gambling', exact).waitFor();

    // Group 1.2 (any): amount ≥ IDR 1,000,000, or five approvals in the last hour.
    await page.getByRole('button', { name: tr(lang, 'ruleEditor.group.addGroup', { label: '1' }) }).click();
    await poll(() => group(page, lang, '1.2').getByLabel(tr(lang, 'ruleEditor.group.match', { label: '1.2' })).inputValue()).toBe('any');
    await row(page, lang, '1.2.1').getByLabel(tr(lang, 'ruleEditor.condition.amountValue', { currency: 'IDR' }), exact).fill('1,000,000');
    await page.getByRole('button', { name: tr(lang, 'ruleEditor.group.addCondition', { label: '1.2' }) }).click();
    const velocity = row(page, lang, '1.2.2');
    await velocity.getByLabel(tr(lang, 'ruleEditor.condition.fact'), exact).selectOption('velocity.approvedCount1h');
    await velocity.getByLabel(tr(lang, 'ruleEditor.condition.value'), exact).fill('5');
    // The velocity fact in words, with what reading it costs.
    const meaning = velocity.locator('p', { hasText: 'approved count in the last hour' });
    await poll(() => meaning.innerText()).toContain(tr(lang, 'ruleEditor.condition.cost', { cost: 'Reads the card’s roll-up buckets' }));
    // Or a country of a list: the country chosen first (equal ID) stays when the operator takes a list.
    await page.getByRole('button', { name: tr(lang, 'ruleEditor.group.addCondition', { label: '1.2' }) }).click();
    const country = row(page, lang, '1.2.3');
    await country.getByLabel(tr(lang, 'ruleEditor.condition.fact'), exact).selectOption('merchant.country');
    await country.getByLabel(tr(lang, 'ruleEditor.condition.operator'), exact).selectOption('inCountries');
    await country.getByLabel(tr(lang, 'ruleEditor.condition.value'), exact).selectOption('SG');
    await country.getByRole('button', { name: tr(lang, 'ruleEditor.value.addTo', { list: tr(lang, 'ruleEditor.condition.value') }) }).click();
    await country.getByRole('list').getByText('(SG)', { exact: false }).waitFor();
    await expectAccessible(page);

    // The JSON view holds exactly that rule; back and forth changes nothing.
    await toView(page, lang, 'json');
    const text = await jsonBox(page, lang).inputValue();
    expect(JSON.parse(text)).toStrictEqual([GAMBLING_RULE]);
    await toView(page, lang, 'visual');
    expect(await row(page, lang, '1.2.1').getByLabel(tr(lang, 'ruleEditor.condition.amountValue', { currency: 'IDR' }), exact).inputValue()).toBe('1,000,000');
    await toView(page, lang, 'json');
    expect(await jsonBox(page, lang).inputValue()).toBe(text);
    await expectAccessible(page);

    // Text that is not JSON, or a shape the visual view cannot show, stays with a message saying so.
    await jsonBox(page, lang).fill('[{"name": ');
    await toView(page, lang, 'visual');
    await page.getByText(tr(lang, 'ruleEditor.json.invalid', { message: '' }).split(':')[0]!, { exact: false }).waitFor();
    expect(await jsonBox(page, lang).inputValue()).toBe('[{"name": ');
    expect(await page.getByRole('button', { name: tr(lang, 'ruleEditor.page.save.shadow') }).isDisabled()).toBe(true);
    await jsonBox(page, lang).fill('[{"conditions": {"all": [], "any": []}, "event": {"type": "review"}}]');
    await toView(page, lang, 'visual');
    await page.getByText(tr(lang, 'ruleEditor.shape.manyBooleans', { at: 'rules.0.conditions' }), exact).waitFor();

    // An edit in JSON shows in the rows: five approvals become seven.
    const edited = structuredClone(GAMBLING_RULE);
    edited.conditions.all[1]!.any![1]!.value = 7;
    await jsonBox(page, lang).fill(JSON.stringify([edited], null, 2));
    await toView(page, lang, 'visual');
    expect(await velocity.getByLabel(tr(lang, 'ruleEditor.condition.value'), exact).inputValue()).toBe('7');

    // An operator the server does not know, typed in JSON: the test's 4009501 lands on that row's operator, focused.
    await toView(page, lang, 'json');
    const broken = structuredClone(edited);
    broken.conditions.all[1]!.any![1]!.operator = 'regex';
    await jsonBox(page, lang).fill(JSON.stringify([broken], null, 2));
    const panel = page.getByRole('region', { name: tr(lang, 'ruleEditor.test.title') });
    await panel.getByLabel(tr(lang, 'ruleEditor.test.amount', { currency: 'IDR' }), exact).fill('2,000,000');
    await panel.getByLabel(tr(lang, 'ruleEditor.test.mcc'), exact).fill('7995');
    await panel.getByRole('button', { name: tr(lang, 'ruleEditor.test.run') }).click();
    const operator = velocity.getByLabel(tr(lang, 'ruleEditor.condition.operator'), exact);
    await velocity.getByText('unknown operator "regex"', { exact: false }).waitFor();
    expect(await operator.getAttribute('aria-invalid')).toBe('true');
    await poll(() => isFocused(operator)).toBe(true);
    await operator.selectOption('greaterThanInclusive');
    expect(await velocity.getByLabel(tr(lang, 'ruleEditor.condition.value'), exact).inputValue()).toBe('7');

    // The draft against the sample: declined by the rule, and the trace of each condition.
    await panel.getByRole('button', { name: tr(lang, 'ruleEditor.test.run') }).click();
    const result = panel.getByRole('status', { name: tr(lang, 'ruleEditor.test.result') });
    await result.getByText(tr(lang, 'ruleEditor.test.decision.decline'), exact).waitFor();
    const shown = await result.innerText();
    expect(shown).toContain(tr(lang, 'ruleEditor.test.byRule', { rule: 'big-gambling' }));
    expect(shown).toContain('57');
    expect(shown).toContain(tr(lang, 'ruleEditor.test.matched'));
    expect(shown).toContain(tr(lang, 'ruleEditor.test.factWas', { value: 'IDR 2,000,000' }));
    expect(shown).toContain(tr(lang, 'ruleEditor.test.factWas', { value: '7995' }));

    // Saved as shadow (the default), on the policy's page.
    await page.getByRole('button', { name: tr(lang, 'ruleEditor.page.save.shadow') }).click();
    await page.waitForURL(/\/dashboard\/policies\/[0-9a-f-]{36}$/);
    const policyId = new URL(page.url()).pathname.split('/').at(-1)!;
    const saved = await adminCall(b, biz.admins.viewer, 'get', `/policies/${policyId}`);
    expect(saved.body.policy.activeVersion).toBeNull();
    expect(saved.body.policy.shadowVersion.rules).toStrictEqual([edited]);
  });

  it('makes a new version from a stored one in Indonesian, tested against a recent authorization; a viewer sent from a card has it chosen and no save button', async () => {
    const biz = await b.seedBusiness();
    const lang = 'id';
    const created = await adminCall(b, biz.admins.finance_admin, 'post', '/policies', { name: 'Makan', scope: { type: 'business' }, mode: 'enforce', rules: [GAMBLING_RULE] });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const policy = created.body.policy;
    const card = await issueCard(b, biz);
    await purchase(b, biz, card.id, '150000.00', { name: 'Kopi Kenangan', mcc: '5814' });

    const path = `/dashboard/policies/${policy.id}/versions/new?from=${policy.activeVersion.id}`;
    const page = await b.open(path, { as: biz.admins.finance_admin, locale: lang });
    await heading(page, tr(lang, 'ruleEditor.page.versionTitle', { name: 'Makan' }));
    await poll(() => page.getByLabel(tr(lang, 'ruleEditor.rule.name'), exact).inputValue()).toBe('big-gambling');
    expect(await row(page, lang, '1.2.1').getByLabel(tr(lang, 'ruleEditor.condition.amountValue', { currency: 'IDR' }), exact).inputValue()).toBe('1.000.000');
    await row(page, lang, '1.2.2').locator('p', { hasText: 'jumlah transaksi disetujui dalam 1 jam terakhir' }).waitFor();

    // The recent purchase as the sample: not gambling, so no rule matches.
    const panel = page.getByRole('region', { name: tr(lang, 'ruleEditor.test.title') });
    const recent = panel.getByLabel(tr(lang, 'ruleEditor.test.recent'), exact);
    await poll(() => recent.locator('option', { hasText: 'Kopi Kenangan' }).count()).toBe(1);
    await recent.selectOption((await recent.locator('option', { hasText: 'Kopi Kenangan' }).getAttribute('value'))!);
    await panel.getByRole('button', { name: tr(lang, 'ruleEditor.test.use') }).click();
    await poll(() => panel.getByLabel(tr(lang, 'ruleEditor.test.mcc'), exact).inputValue()).toBe('5814');
    expect(await panel.getByLabel(tr(lang, 'ruleEditor.test.amount', { currency: 'IDR' }), exact).inputValue()).toBe('150000');
    await panel.getByRole('button', { name: tr(lang, 'ruleEditor.test.run') }).click();
    const result = panel.getByRole('status', { name: tr(lang, 'ruleEditor.test.result') });
    await result.getByText(tr(lang, 'ruleEditor.test.decision.none'), exact).waitFor();
    expect(await result.innerText()).toContain(tr(lang, 'ruleEditor.test.notMatched'));
    await expectAccessible(page);

    // Reviews instead of declines, saved as shadow beside the enforced version.
    await page.getByLabel(tr(lang, 'ruleEditor.rule.event'), exact).selectOption('review');
    await page.getByRole('button', { name: tr(lang, 'ruleEditor.page.save.shadow') }).click();
    await page.waitForURL(new RegExp(`/dashboard/policies/${policy.id}$`));
    const after = (await adminCall(b, biz.admins.viewer, 'get', `/policies/${policy.id}`)).body.policy;
    expect(after.activeVersion.id).toBe(policy.activeVersion.id);
    expect(after.shadowVersion.rules).toStrictEqual([{ ...GAMBLING_RULE, event: { type: 'review', params: { reason: 'gambling over a million' } } }]);

    // A viewer, sent from a card to a new policy for it: the card chosen, reading and testing, nothing to save with.
    const viewer = await b.open(`/dashboard/policies/new?scope=card&scopeId=${card.id}`, { as: biz.admins.viewer, locale: lang });
    await viewer.getByText(tr(lang, 'ruleEditor.page.readOnly')).waitFor();
    expect(await viewer.getByLabel(tr(lang, 'ruleEditor.page.scope'), exact).inputValue()).toBe('card');
    const cardSelect = viewer.getByLabel(tr(lang, 'ruleEditor.page.card'), exact);
    expect(await cardSelect.inputValue()).toBe(card.id);
    await poll(() => cardSelect.locator('option', { hasText: card.last4 }).count()).toBe(1);
    expect(await viewer.getByRole('button', { name: tr(lang, 'ruleEditor.page.save.shadow') }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: tr(lang, 'ruleEditor.test.run') }).isEnabled()).toBe(true);
  });
});
