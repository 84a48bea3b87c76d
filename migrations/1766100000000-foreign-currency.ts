import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Foreign currency (docs/ledger-and-authorizations.md, "Foreign currency"):
 * - fx_rates: the exchange-rate table (`kartu fx set-rate`, `kartu fx load`), each row a rate of a
 *   pair (units of quote per unit of base) from a time, from a source; the newest of a pair is used.
 * - authorizations keep the merchant's amount and currency beside the billing amount (amount,
 *   currency: the card's), and the rate that joined them — the network's (it sent the billing
 *   amount) or Kartu's (converted with fx_rates) — and when it held; all NULL for an authorization
 *   in the card's own currency. network_messages (clearings, refunds) keep the same.
 * - stand_in: an advice (ISO 8583 0120) records what the network approved on the issuer's behalf;
 *   kartu_record_authorizations writes it as approved without re-checking limits or funds (the hold
 *   is posted even past them: the funding account's available balance may go below zero).
 * kartu_read_authorizations answers a retry with the billing amount and currency too (the answer
 * carries them); kartu_record_authorizations writes the new columns and adds merchantAmount, merchantCurrency,
 * fxRate and standIn to the authorization.created event; its arguments and answer are unchanged.
 */
export class ForeignCurrency1766100000000 implements MigrationInterface {
  name = 'ForeignCurrency1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fx_rates (
        id bigserial PRIMARY KEY,
        base text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
        quote text NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
        rate numeric(24, 12) NOT NULL CHECK (rate > 0),
        as_of timestamptz NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX fx_rates_newest ON fx_rates (base, quote, as_of DESC, id DESC);

      ALTER TABLE authorizations
        ADD COLUMN merchant_amount bigint CHECK (merchant_amount > 0),
        ADD COLUMN merchant_currency text,
        ADD COLUMN fx_rate numeric(24, 12) CHECK (fx_rate > 0),
        ADD COLUMN fx_rate_source text CHECK (fx_rate_source IN ('network', 'kartu')),
        ADD COLUMN fx_rate_at timestamptz,
        ADD COLUMN stand_in boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT authorizations_merchant_amount CHECK ((merchant_amount IS NULL) = (merchant_currency IS NULL));
      ALTER TABLE network_messages
        ADD COLUMN merchant_amount bigint,
        ADD COLUMN merchant_currency text,
        ADD COLUMN fx_rate numeric(24, 12),
        ADD COLUMN fx_rate_source text CHECK (fx_rate_source IN ('network', 'kartu'));
    `);
    await q.query(readAuthorizations(true));
    await q.query(recordAuthorizations(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(readAuthorizations(false));
    await q.query(recordAuthorizations(false));
    await q.query(`
      ALTER TABLE network_messages DROP COLUMN merchant_amount, DROP COLUMN merchant_currency, DROP COLUMN fx_rate, DROP COLUMN fx_rate_source;
      ALTER TABLE authorizations DROP CONSTRAINT authorizations_merchant_amount, DROP COLUMN merchant_amount, DROP COLUMN merchant_currency,
        DROP COLUMN fx_rate, DROP COLUMN fx_rate_source, DROP COLUMN fx_rate_at, DROP COLUMN stand_in;
      DROP TABLE fx_rates;
    `);
  }
}

/**
 * kartu_record_authorizations (steps in migrations/1764600000000-leaner-authorization-write.ts): with
 * `fx` this migration's body, without it the body before it (what down() restores).
 */
function recordAuthorizations(fx: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION kartu_record_authorizations(batch jsonb) RETURNS jsonb
      LANGUAGE plpgsql
      -- Plans are cached per connection, often while the tables are still small: keep them on the
      -- indexes, so a plan made on an empty table never scans a large one.
      SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
      AS $$
      DECLARE
        a jsonb;
        c jsonb;
        acct record;
        counter record;
        locked_merchant text;
        avail jsonb := '{}'::jsonb;
        approved bigint;
        lost text;
        inserted uuid[];
        event_ids uuid[];
        approved_ids uuid[] := '{}';
        lost_ids uuid[] := '{}';
        lost_codes text[] := '{}';
        lost_map jsonb;${fx ? '\n        stand_in boolean;' : ''}
      BEGIN
        WITH claimed AS (
          INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, original_id, amount, currency,
                                      approved_amount, decision, response_code, reason, authorization_code, merchant, pos, facts, policy,
                                      hold_id, counted, status, latency_us${fx ? ', merchant_amount, merchant_currency, fx_rate, fx_rate_source, fx_rate_at, stand_in' : ''})
          SELECT (e->>'id')::uuid, (e->>'networkId')::uuid, e->>'messageId', e->>'requestHash', (e->>'businessId')::uuid, (e->>'cardId')::uuid,
                 (e->>'originalId')::uuid, (e->>'amount')::bigint, e->>'currency', (e->>'approvedAmount')::bigint, e->>'decision',
                 e->>'responseCode', e->>'reason', e->>'authorizationCode', e->'merchant', e->'pos', e->'facts', nullif(e->'policy', 'null'::jsonb),
                 (e->>'holdId')::uuid, CASE WHEN e->>'decision' <> 'declined' THEN e->'counters' ELSE '[]'::jsonb END,
                 CASE WHEN e->>'decision' <> 'declined' THEN 'pending' ELSE 'declined' END, (e->>'latencyUs')::integer${
                   fx
                     ? `,
                 (e->>'merchantAmount')::bigint, e->>'merchantCurrency', (e->>'fxRate')::numeric, e->>'fxRateSource', (e->>'fxRateAt')::timestamptz,
                 coalesce((e->>'standIn')::boolean, false)`
                     : ''
                 }
            FROM jsonb_array_elements(batch) e
          ON CONFLICT (network_id, network_message_id) DO NOTHING
          RETURNING id
        )
        SELECT coalesce(array_agg(id), '{}') INTO inserted FROM claimed;

        WITH written AS (
          INSERT INTO outbox_events (business_id, type, data)
          SELECT (e->>'businessId')::uuid, 'authorization.created',
                 jsonb_build_object('id', e->'messageId', 'authorizationId', e->'id', 'decision', e->'decision', 'responseCode', e->'responseCode',
                                    'approvedAmount', (e->>'approvedAmount')::bigint, 'authorizationCode', e->'authorizationCode', 'reason', e->'reason',
                                    'cardId', e->'cardId', 'amount', e->'amount', 'currency', e->'currency', 'merchant', e->'merchant',
                                    'originalId', e->'networkOriginalId'${
                                      fx
                                        ? `,
                                    'merchantAmount', coalesce(e->'merchantAmount', e->'amount'), 'merchantCurrency', coalesce(e->'merchantCurrency', e->'currency'),
                                    'fxRate', e->'fxRate', 'standIn', coalesce((e->>'standIn')::boolean, false)`
                                        : ''
                                    })
            FROM jsonb_array_elements(batch) e
           WHERE (e->>'id')::uuid = ANY(inserted) AND e->>'businessId' IS NOT NULL
          RETURNING id
        )
        SELECT coalesce(array_agg(id), '{}') INTO event_ids FROM written;

        -- The holds of the approvals as decided; the hold of a race lost under the locks is deleted there
        -- (no other transaction ever saw it).
        INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending, open_amount, expires_at, reference)
        SELECT (e->>'holdId')::uuid, (e->>'businessId')::uuid, (e->>'fundingId')::uuid, (e->>'settlementId')::uuid, (e->>'approvedAmount')::bigint,
               e->>'currency', 'hold', true, (e->>'approvedAmount')::bigint, (e->>'holdExpiresAt')::timestamptz, 'authorization:' || (e->>'id')
          FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined' AND (e->>'id')::uuid = ANY(inserted);

        FOR acct IN
          SELECT la.id, la.credits_posted - la.debits_posted - la.debits_pending + la.overdraft_limit AS available
            FROM ledger_accounts la
           WHERE la.id IN (SELECT (e->>'fundingId')::uuid FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined' AND (e->>'id')::uuid = ANY(inserted)
                           UNION SELECT (e->>'settlementId')::uuid FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined' AND (e->>'id')::uuid = ANY(inserted))
           ORDER BY la.id
             FOR NO KEY UPDATE
        LOOP
          avail := jsonb_set(avail, ARRAY[acct.id::text], to_jsonb(acct.available));
        END LOOP;

        FOR a IN SELECT e FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined' AND (e->>'id')::uuid = ANY(inserted) LOOP
          lost := NULL;
          approved := (a->>'approvedAmount')::bigint;${fx ? `
          stand_in := coalesce((a->>'standIn')::boolean, false);` : ''}
          IF ${fx ? 'stand_in THEN NULL; -- approved by the network for the issuer: nothing to re-check\n          ELSIF ' : ''}a->>'cardType' = 'MERCHANT_LOCKED' THEN
            SELECT locked_merchant_id INTO locked_merchant FROM cards WHERE id = (a->>'cardId')::uuid FOR NO KEY UPDATE;
            IF locked_merchant IS NOT NULL AND locked_merchant <> a->'merchant'->>'id' THEN lost := '57'; END IF;
          ELSIF a->>'cardType' = 'SINGLE_USE' AND a->>'originalId' IS NULL THEN
            PERFORM 1 FROM cards WHERE id = (a->>'cardId')::uuid FOR NO KEY UPDATE;
            IF EXISTS (SELECT 1 FROM authorizations WHERE card_id = (a->>'cardId')::uuid AND status = 'pending'
                          AND (id <> ALL(inserted) OR id = ANY(approved_ids))) THEN
              lost := '05';
            END IF;
          END IF;
          IF lost IS NULL AND a->'counters' <> '[]'::jsonb THEN
            FOR c IN SELECT value FROM jsonb_array_elements(a->'counters') LOOP
              INSERT INTO spend_counters (spend_root_id, limit_key, window_start)
              VALUES ((a->>'spendRootId')::uuid, c->>'limitKey', (c->>'windowStart')::date) ON CONFLICT DO NOTHING;
              SELECT sc.amount, sc.count INTO counter FROM spend_counters sc
               WHERE sc.spend_root_id = (a->>'spendRootId')::uuid AND sc.limit_key = c->>'limitKey' AND sc.window_start = (c->>'windowStart')::date
                 FOR NO KEY UPDATE;
              ${fx ? 'CONTINUE WHEN stand_in;\n              ' : ''}IF c->>'kind' = 'count' AND counter.count + 1 > (c->>'limit')::bigint THEN lost := '65'; EXIT; END IF;
              IF c->>'kind' <> 'count' AND counter.amount + approved > (c->>'limit')::bigint THEN lost := '61'; EXIT; END IF;
            END LOOP;
          END IF;
          IF lost IS NULL AND ${fx ? 'NOT stand_in AND ' : ''}(avail->>(a->>'fundingId'))::bigint < approved THEN lost := '51'; END IF;
          IF lost IS NULL THEN
            IF a->>'cardType' = 'MERCHANT_LOCKED' THEN
              UPDATE cards SET locked_merchant_id = a->'merchant'->>'id' WHERE id = (a->>'cardId')::uuid AND locked_merchant_id IS NULL;
            END IF;
            IF a->'counters' <> '[]'::jsonb THEN
              UPDATE spend_counters sc SET amount = sc.amount + approved, count = sc.count + 1
                FROM jsonb_array_elements(a->'counters') k
               WHERE sc.spend_root_id = (a->>'spendRootId')::uuid AND sc.limit_key = k->>'limitKey' AND sc.window_start = (k->>'windowStart')::date;
            END IF;
            avail := jsonb_set(avail, ARRAY[a->>'fundingId'], to_jsonb((avail->>(a->>'fundingId'))::bigint - approved));
            approved_ids := approved_ids || (a->>'id')::uuid;
          ELSE
            lost_ids := lost_ids || (a->>'id')::uuid;
            lost_codes := lost_codes || lost;
          END IF;
        END LOOP;

        SELECT coalesce(jsonb_object_agg(u.id, jsonb_build_object('responseCode', u.code, 'reason',
                 CASE u.code WHEN '51' THEN 'insufficient funds' WHEN '61' THEN 'exceeds spending limit' WHEN '65' THEN 'exceeds frequency limit'
                             WHEN '57' THEN 'card is locked to another merchant' ELSE 'single-use card already used' END)), '{}'::jsonb)
          INTO lost_map FROM unnest(lost_ids, lost_codes) AS u(id, code);
        IF cardinality(lost_ids) > 0 THEN
          UPDATE authorizations au
             SET decision = 'declined', response_code = lost_map->(au.id::text)->>'responseCode', reason = lost_map->(au.id::text)->>'reason',
                 approved_amount = 0, authorization_code = NULL, hold_id = NULL, counted = '[]'::jsonb, status = 'declined'
           WHERE au.id = ANY(lost_ids);
          UPDATE outbox_events ev
             SET data = ev.data || jsonb_build_object('decision', 'declined', 'responseCode', lost_map->(ev.data->>'authorizationId')->>'responseCode',
                                                      'reason', lost_map->(ev.data->>'authorizationId')->>'reason', 'approvedAmount', 0, 'authorizationCode', NULL)
           WHERE ev.id = ANY(event_ids) AND lost_map ? (ev.data->>'authorizationId');
          DELETE FROM ledger_transfers WHERE id IN (SELECT (e->>'holdId')::uuid FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(lost_ids));
        END IF;

        IF cardinality(approved_ids) > 0 THEN
          UPDATE ledger_accounts la SET debits_pending = la.debits_pending + t.total
            FROM (SELECT (e->>'fundingId')::uuid AS id, sum((e->>'approvedAmount')::bigint) AS total
                    FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(approved_ids) GROUP BY 1) t
           WHERE la.id = t.id;
          UPDATE ledger_accounts la SET credits_pending = la.credits_pending + t.total
            FROM (SELECT (e->>'settlementId')::uuid AS id, sum((e->>'approvedAmount')::bigint) AS total
                    FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(approved_ids) GROUP BY 1) t
           WHERE la.id = t.id;
          INSERT INTO outbox_events (business_id, type, data)
          SELECT (e->>'businessId')::uuid, 'fraud.alert', e->'alert'
            FROM jsonb_array_elements(batch) e
           WHERE (e->>'id')::uuid = ANY(approved_ids) AND jsonb_typeof(e->'alert') = 'object';
        END IF;

        RETURN jsonb_build_object(
          'duplicates', (SELECT coalesce(jsonb_agg(e->>'id'), '[]'::jsonb) FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid <> ALL(inserted)),
          'lost', lost_map);
      END $$;
  `;
}

/** kartu_read_authorizations (migrations/1764060000000-authorization-batches.ts): with `fx` a retry's answer also has its amount and currency. */
function readAuthorizations(fx: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION kartu_read_authorizations(network_ids uuid[], message_ids text[], fingerprints text[],
                                                original_network_ids uuid[], original_ids text[], window_floor date) RETURNS json
      LANGUAGE plpgsql STABLE
      SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
      AS $$
      BEGIN
        RETURN json_build_object(
          'replays', (SELECT coalesce(json_agg(x), '[]') FROM (
             SELECT a.network_id, a.id, a.network_message_id, a.request_hash, a.decision, a.response_code, a.approved_amount::text AS approved_amount,
                    a.authorization_code, a.reason${fx ? ', a.amount::text AS amount, a.currency' : ''}
               FROM unnest(network_ids, message_ids) AS r(network_id, message_id)
               JOIN authorizations a ON a.network_id = r.network_id AND a.network_message_id = r.message_id) x),
          'cards', (SELECT coalesce(json_agg(y), '[]') FROM (
             SELECT c.id, c.pan_fingerprint, c.business_id, c.type, c.status, c.expiry_month, c.expiry_year, c.currency, c.spend_controls,
                    c.locked_merchant_id, c.spend_root_id, c.cvv_key_id, c.cardholder_id, c.created_at,
                    h.status AS cardholder_status, h.created_at AS cardholder_created_at, h.metadata AS cardholder_metadata,
                    b.status AS business_status, b.time_zone,
                    f.id AS funding_id, s.id AS settlement_id,
                    (f.credits_posted - f.debits_posted - f.debits_pending + f.overdraft_limit)::text AS available,
                    (c.type = 'SINGLE_USE' AND EXISTS (SELECT 1 FROM authorizations a WHERE a.card_id = c.id AND a.status = 'pending')) AS used,
                    (SELECT coalesce(json_object_agg(sc.limit_key || '|' || sc.window_start,
                                                     CASE WHEN sc.limit_key LIKE 'count:%' THEN sc.count::text ELSE sc.amount::text END), '{}'::json)
                       FROM spend_counters sc
                      WHERE sc.spend_root_id = c.spend_root_id AND (sc.window_start >= window_floor OR sc.window_start = '1970-01-01')) AS usage
               FROM cards c
               JOIN cardholders h ON h.id = c.cardholder_id
               JOIN businesses b ON b.id = c.business_id
               LEFT JOIN ledger_accounts f ON f.business_id = c.business_id AND f.code = 'funding' AND f.currency = c.currency
               LEFT JOIN ledger_accounts s ON s.business_id = c.business_id AND s.code = 'settlement' AND s.currency = c.currency
              WHERE c.pan_fingerprint = ANY(fingerprints)) y),
          'originals', (SELECT coalesce(json_agg(o), '[]') FROM (
             SELECT a.network_id, a.network_message_id, a.id, a.original_id, a.card_id
               FROM unnest(original_network_ids, original_ids) AS r(network_id, message_id)
               JOIN authorizations a ON a.network_id = r.network_id AND a.network_message_id = r.message_id
              WHERE a.status = 'pending') o));
      END $$;
  `;
}
