/**
 * What a rule can read and how it compares, as data: every fact of docs/policies.md ("Facts") with
 * its type, the widget its values are typed in, its meaning in both languages and, for velocity
 * facts, what reading it costs ("Velocity"); the operators the server accepts
 * (src/modules/policies/operators.ts) and which facts each applies to. test/unit/web/rule-tree.test.ts
 * holds this file to the server's FACT_CATALOG and OPERATORS.
 */

export type FactGroup = 'transaction' | 'merchant' | 'card' | 'cardholder' | 'velocity';
export const FACT_GROUPS: readonly FactGroup[] = ['transaction', 'merchant', 'card', 'cardholder', 'velocity'];

export type FactType = 'number' | 'string' | 'boolean' | 'string[]';

/**
 * The widget a value of the fact is typed in: an amount in the business's currency (minor units in
 * the rule), an hour 0–23, an ISO weekday, an MCC, a country, one of a few known words, an MCC
 * group name (of `merchant.mccGroups`), or a plain number / text / yes-no.
 */
export type ValueKind = 'amount' | 'hour' | 'weekday' | 'mcc' | 'country' | 'choice' | 'mccGroup' | 'number' | 'text' | 'boolean';

export interface Words {
  en: string;
  id: string;
}

export interface FactDef {
  group: FactGroup;
  property: string;
  type: FactType;
  nullable?: boolean;
  kind: ValueKind;
  /** For `choice`: the words the fact takes. */
  choices?: readonly string[];
  meaning: Words;
  /** Velocity facts: what evaluating a rule that reads it costs. */
  cost?: Words;
}

const COST_ROLLUP: Words = {
  en: 'Reads the card’s roll-up buckets of the window (bounded however busy the card is); read only when a rule’s outcome still depends on it.',
  id: 'Membaca bucket ringkasan kartu untuk jendela waktunya (terbatas, seramai apa pun kartunya); dibaca hanya bila hasil aturan masih bergantung padanya.',
};
const COST_PROBE: Words = {
  en: 'One index probe of the card’s history; read only when a rule’s outcome still depends on it.',
  id: 'Satu pencarian indeks pada riwayat kartu; dibaca hanya bila hasil aturan masih bergantung padanya.',
};
const COST_NEWEST: Words = {
  en: 'Reads the card’s newest authorization; read only when a rule’s outcome still depends on it.',
  id: 'Membaca otorisasi terbaru kartu; dibaca hanya bila hasil aturan masih bergantung padanya.',
};

export const ENTRY_MODES = ['chip', 'contactless', 'magstripe', 'manual', 'ecommerce', 'credential_on_file'] as const;
export const CARD_TYPES = ['VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED'] as const;
export const CARD_STATUSES = ['ACTIVE', 'INACTIVE', 'FROZEN', 'TERMINATED'] as const;

function fact(group: FactGroup, property: string, type: FactType, kind: ValueKind, en: string, id: string, more: Partial<FactDef> = {}): FactDef {
  return { group, property, type, kind, meaning: { en, id }, ...more };
}
const velocity = (property: string, type: FactType, kind: ValueKind, en: string, id: string, cost: Words, more: Partial<FactDef> = {}) =>
  fact('velocity', property, type, kind, en, id, { cost, ...more });

export const FACTS: readonly FactDef[] = [
  fact('transaction', 'amount', 'number', 'amount', 'amount charged to the card, in its currency', 'jumlah yang ditagihkan ke kartu, dalam mata uangnya'),
  fact('transaction', 'currency', 'string', 'text', 'the card’s currency (ISO 4217)', 'mata uang kartu (ISO 4217)'),
  fact('transaction', 'billingAmount', 'number', 'amount', 'the same as amount', 'sama dengan jumlah'),
  fact('transaction', 'billingCurrency', 'string', 'text', 'the same as currency', 'sama dengan mata uang'),
  fact('transaction', 'merchantAmount', 'number', 'amount', 'the merchant’s amount, in the merchant’s currency', 'jumlah merchant, dalam mata uang merchant'),
  fact('transaction', 'merchantCurrency', 'string', 'text', 'the merchant’s currency (ISO 4217)', 'mata uang merchant (ISO 4217)'),
  fact('transaction', 'entryMode', 'string', 'choice', 'how the card was read (chip, contactless, e-commerce…)', 'cara kartu dibaca (chip, nirsentuh, e-commerce…)', { nullable: true, choices: ENTRY_MODES }),
  fact('transaction', 'cardPresent', 'boolean', 'boolean', 'card present (no when the network did not say)', 'kartu hadir (tidak bila jaringan tidak menyebutkan)'),
  fact('transaction', 'hour', 'number', 'hour', 'hour of day, business time zone', 'jam, zona waktu bisnis'),
  fact('transaction', 'weekday', 'number', 'weekday', 'day of the week, business time zone', 'hari dalam seminggu, zona waktu bisnis'),
  fact('merchant', 'id', 'string', 'text', 'the network’s merchant id', 'ID merchant dari jaringan'),
  fact('merchant', 'name', 'string', 'text', 'merchant name', 'nama merchant'),
  fact('merchant', 'mcc', 'string', 'mcc', 'merchant category code (MCC)', 'kode kategori merchant (MCC)'),
  fact('merchant', 'mccGroups', 'string[]', 'mccGroup', 'category groups containing the MCC', 'grup kategori yang memuat MCC'),
  fact('merchant', 'city', 'string', 'text', 'merchant city', 'kota merchant', { nullable: true }),
  fact('merchant', 'country', 'string', 'country', 'merchant country', 'negara merchant'),
  fact('card', 'type', 'string', 'choice', 'card type', 'jenis kartu', { choices: CARD_TYPES }),
  fact('card', 'ageDays', 'number', 'number', 'days since the card was issued', 'hari sejak kartu diterbitkan'),
  fact('card', 'status', 'string', 'choice', 'card status', 'status kartu', { choices: CARD_STATUSES }),
  fact('cardholder', 'relationshipDays', 'number', 'number', 'days since the cardholder was created', 'hari sejak pemegang kartu dibuat'),
  fact('cardholder', 'tags', 'string[]', 'text', 'the cardholder’s tags', 'tag pemegang kartu'),
  velocity('approvedCount15m', 'number', 'number', 'approved count in the last 15 minutes', 'jumlah transaksi disetujui dalam 15 menit terakhir', COST_ROLLUP),
  velocity('approvedAmount15m', 'number', 'amount', 'approved amount in the last 15 minutes', 'nilai disetujui dalam 15 menit terakhir', COST_ROLLUP),
  velocity('approvedCount1h', 'number', 'number', 'approved count in the last hour', 'jumlah transaksi disetujui dalam 1 jam terakhir', COST_ROLLUP),
  velocity('approvedAmount1h', 'number', 'amount', 'approved amount in the last hour', 'nilai disetujui dalam 1 jam terakhir', COST_ROLLUP),
  velocity('approvedCount24h', 'number', 'number', 'approved count in the last 24 hours', 'jumlah transaksi disetujui dalam 24 jam terakhir', COST_ROLLUP),
  velocity('approvedAmount24h', 'number', 'amount', 'approved amount in the last 24 hours', 'nilai disetujui dalam 24 jam terakhir', COST_ROLLUP),
  velocity('declinedCount1h', 'number', 'number', 'declined count in the last hour', 'jumlah transaksi ditolak dalam 1 jam terakhir', COST_ROLLUP),
  velocity('distinctCountries24h', 'number', 'number', 'distinct merchant countries of approvals in the last 24 hours', 'jumlah negara merchant berbeda dari transaksi disetujui dalam 24 jam terakhir', COST_ROLLUP),
  velocity('isNewMerchant', 'boolean', 'boolean', 'first approval of the card at this merchant', 'persetujuan pertama kartu di merchant ini', COST_PROBE),
  velocity('isNewCountry', 'boolean', 'boolean', 'first approval of the card in this country', 'persetujuan pertama kartu di negara ini', COST_PROBE),
  velocity('amountZScore', 'number', 'number', 'how unusual the amount is for the card (z-score over 30 days; none with fewer than 5 approvals)', 'seberapa tidak biasa jumlahnya bagi kartu (skor-z 30 hari; kosong bila kurang dari 5 persetujuan)', COST_ROLLUP, { nullable: true }),
  velocity('secondsSinceLastTransaction', 'number', 'number', 'seconds since the card’s previous authorization (none for the first)', 'detik sejak otorisasi kartu sebelumnya (kosong untuk yang pertama)', COST_NEWEST, { nullable: true }),
];

export function factKey(fact: string, property: string): string {
  return `${fact}.${property}`;
}

const BY_KEY = new Map(FACTS.map((f) => [factKey(f.group, f.property), f]));

/** The property a condition's `path` names: `$.amount` and `amount` both read `amount`. */
export function propertyOfPath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) return path.slice(2);
  if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) return path;
  return undefined;
}

/** The catalogue's fact a condition reads, or undefined for one it does not know. */
export function findFact(fact: string, path: string | undefined): FactDef | undefined {
  const property = propertyOfPath(path);
  return property === undefined ? undefined : BY_KEY.get(factKey(fact, property));
}

/** How an operator's value is shaped (the server's valueKind), and which facts it applies to (factKind). */
export interface OperatorDef {
  name: string;
  factKind: 'scalar' | 'number' | 'array' | 'mcc' | 'country';
  valueKind: 'same' | 'list' | 'element' | 'number' | 'categories' | 'countries';
}

export const OPERATORS: readonly OperatorDef[] = [
  { name: 'equal', factKind: 'scalar', valueKind: 'same' },
  { name: 'notEqual', factKind: 'scalar', valueKind: 'same' },
  { name: 'in', factKind: 'scalar', valueKind: 'list' },
  { name: 'notIn', factKind: 'scalar', valueKind: 'list' },
  { name: 'contains', factKind: 'array', valueKind: 'element' },
  { name: 'doesNotContain', factKind: 'array', valueKind: 'element' },
  { name: 'lessThan', factKind: 'number', valueKind: 'number' },
  { name: 'lessThanInclusive', factKind: 'number', valueKind: 'number' },
  { name: 'greaterThan', factKind: 'number', valueKind: 'number' },
  { name: 'greaterThanInclusive', factKind: 'number', valueKind: 'number' },
  { name: 'inMccGroup', factKind: 'mcc', valueKind: 'categories' },
  { name: 'notInMccGroup', factKind: 'mcc', valueKind: 'categories' },
  { name: 'inCountries', factKind: 'country', valueKind: 'countries' },
];

export function findOperator(name: string): OperatorDef | undefined {
  return OPERATORS.find((o) => o.name === name);
}

/** Whether the server accepts the operator on the fact (rule-validation.ts). */
export function operatorApplies(op: OperatorDef, fact: FactDef): boolean {
  switch (op.factKind) {
    case 'scalar':
      return fact.type !== 'string[]';
    case 'number':
      return fact.type === 'number';
    case 'array':
      return fact.type === 'string[]';
    case 'mcc':
      return fact.kind === 'mcc';
    case 'country':
      return fact.kind === 'country';
  }
}

/** The operators a fact offers, in the order above. */
export function operatorsFor(fact: FactDef): OperatorDef[] {
  return OPERATORS.filter((op) => operatorApplies(op, fact));
}

/** Whether the value is a list for this operator (in, notIn, inMccGroup, inCountries …). */
export function takesList(op: OperatorDef): boolean {
  return op.valueKind === 'list' || op.valueKind === 'categories' || op.valueKind === 'countries';
}

/** The value a condition starts with when its fact or operator is chosen. */
export function defaultValue(fact: FactDef, op: OperatorDef): unknown {
  if (op.valueKind === 'categories') return [];
  if (op.valueKind === 'countries') return [];
  if (op.valueKind === 'list') return [];
  if (op.valueKind === 'number') return 0;
  if (op.valueKind === 'element') return '';
  switch (fact.kind) {
    case 'boolean':
      return true;
    case 'hour':
      return 0;
    case 'weekday':
      return 1;
    case 'amount':
    case 'number':
      return 0;
    case 'choice':
      return fact.choices?.[0] ?? '';
    case 'country':
      return 'ID';
    default:
      return '';
  }
}

/** ISO 8583 codes a decline may answer with (rule-validation.ts POLICY_RESPONSE_CODES). */
export const RESPONSE_CODES = ['05', '57', '59', '61', '62', '65'] as const;
export const EVENT_TYPES = ['decline', 'review', 'approve'] as const;

/** POLICY_LIMITS of rule-validation.ts that the editor checks as one types. */
export const LIMITS = { rules: 100, conditionsPerRule: 50, depth: 5, listValues: 500, stringLength: 200, nameLength: 100, priority: 100 } as const;
