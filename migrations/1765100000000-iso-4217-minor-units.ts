import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rupiah amounts move from whole rupiah to ISO 4217 minor units (IDR has 2 digits): every stored IDR
 * integer is multiplied by 100, so every balance means the same rupiah before and after (IDR
 * 150,000.00 was 150000 and is 15000000). Other currencies already were in ISO minor units.
 *
 * Converted, for rows in IDR (a row's own currency, else its business's):
 * - ledger accounts (posted, pending, overdraft line) and transfers (amount, open amount);
 * - authorizations (amount, approved amount, the limits they counted against, the facts recorded
 *   for policies and backtests: transaction and velocity amounts, available funds, limit usage);
 * - spend counters, velocity roll-ups (amounts ×100, squared amounts ×10,000);
 * - network messages (amount and the stored answer a retry gets back);
 * - spending limits inside cards' spend controls, stored as `amountMinor`;
 * - rewards balances' and entries' values and spend amounts (points are not money: unchanged);
 * - outbox events (integer amounts of authorization, clearing and refund events; backtest examples);
 * - backtest reports' examples;
 * - amount thresholds inside stored policy rules (conditions on transaction.amount /
 *   billingAmount and velocity.approvedAmount*), in every version and in the stored platform rule
 *   file, when the rule's currency is IDR: the currency a top-level `all` condition on
 *   transaction.currency (or billingCurrency) requires, else the business's (IDR for the platform).
 * SNAP amount values ("150000.00") in rewards programs, card events, audit details and rendered
 * report files already meant rupiah with two decimals and stay as they are.
 *
 * Policy versions are immutable and stay so: their update here (the trigger that refuses it is
 * disabled for this statement only) changes the unit their amounts are written in, not what they
 * decide.
 *
 * down() divides by 100 and refuses (rolls back) when an IDR amount has sen that whole rupiah cannot hold.
 */
export class Iso4217MinorUnits1765100000000 implements MigrationInterface {
  name = 'Iso4217MinorUnits1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await convert(q, 100);
  }

  async down(q: QueryRunner): Promise<void> {
    await convert(q, -100);
  }
}

/** factor 100: ×100; factor −100: ÷100, exactly or not at all. */
async function convert(q: QueryRunner, factor: 100 | -100): Promise<void> {
  await q.query(FUNCTIONS);
  const f = String(factor);
  const biz = (alias: string) => `(SELECT currency FROM businesses b WHERE b.id = ${alias}.business_id)`;
  const scale = (column: string) => `${column} = kartu_minor_scale(${column}, ${f})`;
  await q.query(`UPDATE ledger_accounts SET ${['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted', 'overdraft_limit'].map(scale).join(', ')} WHERE currency = 'IDR'`);
  await q.query(`UPDATE ledger_transfers SET ${scale('amount')}, ${scale('open_amount')} WHERE currency = 'IDR'`);
  await q.query(`
    UPDATE authorizations a
       SET ${scale('amount')}, ${scale('approved_amount')},
           counted = kartu_minor_counted(counted, ${f}),
           facts = kartu_minor_facts(facts, ${f})
     WHERE currency = 'IDR'`);
  await q.query(`
    UPDATE spend_counters sc SET ${scale('amount')}
     WHERE (SELECT currency FROM cards c WHERE c.id = sc.spend_root_id) = 'IDR'`);
  await q.query(`
    UPDATE card_velocity v
       SET ${scale('approved_amount')},
           approved_amount_sq = CASE WHEN ${f} > 0 THEN approved_amount_sq * 10000 ELSE kartu_minor_exact(approved_amount_sq, 10000) END
     WHERE (SELECT currency FROM cards c WHERE c.id = v.card_id) = 'IDR'`);
  await q.query(`
    UPDATE network_messages m
       SET amount = CASE WHEN amount IS NULL THEN NULL ELSE kartu_minor_scale(amount, ${f}) END,
           response = kartu_minor_json(response, coalesce(m.currency, ${biz('m')}), ARRAY['amount', 'approvedAmount'], ${f})
     WHERE coalesce(m.currency, ${biz('m')}) = 'IDR'`);
  await q.query(`UPDATE cards SET spend_controls = kartu_minor_json(spend_controls, currency, ARRAY['amountMinor'], ${f}) WHERE currency = 'IDR'`);
  await q.query(`UPDATE rewards_balances SET ${scale('value')} WHERE currency = 'IDR'`);
  await q.query(`
    UPDATE rewards_entries
       SET ${scale('value')}, spend_amount = CASE WHEN spend_amount IS NULL THEN NULL ELSE kartu_minor_scale(spend_amount, ${f}) END
     WHERE currency = 'IDR'`);
  await q.query(`
    UPDATE outbox_events e SET data = kartu_minor_json(data, ${biz('e')}, ARRAY['amount', 'approvedAmount'], ${f})
     WHERE jsonb_typeof(data) = 'object'`);
  await q.query(`
    UPDATE policy_backtests t SET report = kartu_minor_json(report, ${biz('t')}, ARRAY['amount'], ${f}) WHERE report IS NOT NULL`);
  // Versions are immutable (a trigger refuses updates): this changes their unit, not their meaning.
  await q.query('ALTER TABLE policy_versions DISABLE TRIGGER policy_versions_immutable');
  await q.query(`
    UPDATE policy_versions v SET rules = kartu_minor_rules(rules, coalesce(${biz('v')}, 'IDR'), ${f})
     WHERE jsonb_typeof(rules) = 'array'`);
  await q.query('ALTER TABLE policy_versions ENABLE TRIGGER policy_versions_immutable');
  await q.query(`
    UPDATE policy_rule_files SET content = jsonb_set(content, '{rules}', kartu_minor_rules(content->'rules', 'IDR', ${f}))
     WHERE jsonb_typeof(content->'rules') = 'array'`);
  await q.query(DROP_FUNCTIONS);
}

const FUNCTIONS = `
-- A bigint or numeric ×100, or ÷100 when it divides exactly (down), else an error naming it.
CREATE FUNCTION kartu_minor_exact(v numeric, d numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF v % d <> 0 THEN
    RAISE EXCEPTION 'IDR amount % has sen that whole rupiah cannot hold; not converting back', v;
  END IF;
  RETURN v / d;
END $$;

CREATE FUNCTION kartu_minor_scale(v bigint, factor integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN factor > 0 THEN v * factor ELSE kartu_minor_exact(v, -factor)::bigint END
$$;

-- A JSON number or string of digits, scaled and kept in its JSON type; anything else as it is.
CREATE FUNCTION kartu_minor_leaf(v jsonb, factor integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(v) = 'number' AND (v #>> '{}') ~ '^-?[0-9]+$' THEN to_jsonb(kartu_minor_scale((v #>> '{}')::bigint, factor))
    WHEN jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^-?[0-9]{1,18}$' THEN to_jsonb(kartu_minor_scale((v #>> '{}')::bigint, factor)::text)
    ELSE v END
$$;

-- Every value under one of keys, anywhere in j, whose nearest currency (an object's own
-- "currency", else its parent's, else cur) is IDR.
CREATE FUNCTION kartu_minor_json(j jsonb, cur text, keys text[], factor integer) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  c text;
  r jsonb;
BEGIN
  IF jsonb_typeof(j) = 'array' THEN
    SELECT coalesce(jsonb_agg(kartu_minor_json(e, cur, keys, factor) ORDER BY i), '[]'::jsonb) INTO r
      FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i);
    RETURN r;
  ELSIF jsonb_typeof(j) IS DISTINCT FROM 'object' THEN
    RETURN j;
  END IF;
  c := CASE WHEN jsonb_typeof(j->'currency') = 'string' THEN j->>'currency' ELSE cur END;
  SELECT coalesce(jsonb_object_agg(key, CASE WHEN key = ANY(keys) AND c = 'IDR' THEN kartu_minor_leaf(value, factor)
                                             ELSE kartu_minor_json(value, c, keys, factor) END), '{}'::jsonb) INTO r
    FROM jsonb_each(j);
  RETURN r;
END $$;

-- The limits an authorization counted against: amount limits (not count limits).
CREATE FUNCTION kartu_minor_counted(j jsonb, factor integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(j) <> 'array' THEN j ELSE
    (SELECT coalesce(jsonb_agg(CASE WHEN e->>'kind' = 'count' OR NOT (e ? 'limit') THEN e
                                    ELSE jsonb_set(e, '{limit}', kartu_minor_leaf(e->'limit', factor)) END ORDER BY i), '[]'::jsonb)
       FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i)) END
$$;

-- Recorded facts: transaction and velocity amounts, available funds, and the usage of amount limits
-- (usage keys of count limits start with "count:").
CREATE FUNCTION kartu_minor_facts(j jsonb, factor integer) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  r jsonb := kartu_minor_json(j - 'usage', 'IDR', ARRAY['amount', 'billingAmount', 'approvedAmount15m', 'approvedAmount1h', 'approvedAmount24h', 'available'], factor);
  usage jsonb;
BEGIN
  IF jsonb_typeof(j->'usage') = 'object' THEN
    SELECT coalesce(jsonb_object_agg(key, CASE WHEN key LIKE 'count:%' THEN value ELSE kartu_minor_leaf(value, factor) END), '{}'::jsonb) INTO usage
      FROM jsonb_each(j->'usage');
    r := r || jsonb_build_object('usage', usage);
  ELSIF j ? 'usage' THEN
    r := r || jsonb_build_object('usage', j->'usage');
  END IF;
  RETURN r;
END $$;

-- A condition tree of a json-rules-engine rule: the value of every condition on an amount fact.
CREATE FUNCTION kartu_minor_conditions(j jsonb, factor integer) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  r jsonb;
BEGIN
  IF jsonb_typeof(j) = 'array' THEN
    SELECT coalesce(jsonb_agg(kartu_minor_conditions(e, factor) ORDER BY i), '[]'::jsonb) INTO r
      FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i);
    RETURN r;
  ELSIF jsonb_typeof(j) IS DISTINCT FROM 'object' THEN
    RETURN j;
  ELSIF j ? 'fact' THEN
    IF (j->>'fact' = 'transaction' AND j->>'path' IN ('$.amount', '$.billingAmount'))
       OR (j->>'fact' = 'velocity' AND j->>'path' IN ('$.approvedAmount15m', '$.approvedAmount1h', '$.approvedAmount24h')) THEN
      IF jsonb_typeof(j->'value') = 'number' THEN
        RETURN jsonb_set(j, '{value}', kartu_minor_leaf(j->'value', factor));
      ELSIF jsonb_typeof(j->'value') = 'array' THEN
        RETURN jsonb_set(j, '{value}', (SELECT coalesce(jsonb_agg(kartu_minor_leaf(e, factor) ORDER BY i), '[]'::jsonb)
                                          FROM jsonb_array_elements(j->'value') WITH ORDINALITY AS t(e, i)));
      END IF;
    END IF;
    RETURN j;
  END IF;
  SELECT coalesce(jsonb_object_agg(key, CASE WHEN key IN ('all', 'any', 'not') THEN kartu_minor_conditions(value, factor) ELSE value END), '{}'::jsonb) INTO r
    FROM jsonb_each(j);
  RETURN r;
END $$;

-- Rules of one policy version or rule file; a rule's currency is what a top-level "all" condition
-- on transaction.currency / billingCurrency requires, else cur.
CREATE FUNCTION kartu_minor_rules(rules jsonb, cur text, factor integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(
           CASE WHEN jsonb_typeof(rule->'conditions') = 'object'
                 AND coalesce((SELECT c->>'value' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(rule->'conditions'->'all') = 'array' THEN rule->'conditions'->'all' ELSE '[]'::jsonb END) c
                                WHERE c->>'fact' = 'transaction' AND c->>'path' IN ('$.currency', '$.billingCurrency') AND c->>'operator' = 'equal' LIMIT 1), cur) = 'IDR'
                THEN jsonb_set(rule, '{conditions}', kartu_minor_conditions(rule->'conditions', factor))
                ELSE rule END ORDER BY i), '[]'::jsonb)
    FROM jsonb_array_elements(rules) WITH ORDINALITY AS t(rule, i)
$$;
`;

const DROP_FUNCTIONS = `
DROP FUNCTION kartu_minor_rules(jsonb, text, integer);
DROP FUNCTION kartu_minor_conditions(jsonb, integer);
DROP FUNCTION kartu_minor_facts(jsonb, integer);
DROP FUNCTION kartu_minor_counted(jsonb, integer);
DROP FUNCTION kartu_minor_json(jsonb, text, text[], integer);
DROP FUNCTION kartu_minor_leaf(jsonb, integer);
DROP FUNCTION kartu_minor_scale(bigint, integer);
DROP FUNCTION kartu_minor_exact(numeric, numeric);
`;
