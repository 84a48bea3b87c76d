import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Authorizations are written in micro-batches: one statement and one commit for every decision
 * that arrived while the previous batch was being written (see docs/ledger-and-authorizations.md).
 * `kartu_read_authorizations` reads a batch and `kartu_record_authorizations` writes it; the latter
 * replaces the one-at-a-time `kartu_record_authorization`.
 * `policy` keeps what the spend policies said (enforced, reviews, shadow) beside the decision.
 */
export class AuthorizationBatches1764060000000 implements MigrationInterface {
  name = 'AuthorizationBatches1764060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE authorizations ADD COLUMN policy jsonb;
      DROP FUNCTION kartu_record_authorization(jsonb);

      -- The read of a batch of authorizations, in one round trip: earlier answers to the same network
      -- ids (retries), the cards behind the fingerprints with everything a decision needs (cardholder
      -- and business states, the funding account's available balance, the spend-limit usage of the
      -- windows starting on or after window_floor, and whether a SINGLE_USE card has an open
      -- authorization), and the open originals of incremental authorizations.
      CREATE FUNCTION kartu_read_authorizations(network_ids uuid[], message_ids text[], fingerprints text[],
                                                original_network_ids uuid[], original_ids text[], window_floor date) RETURNS json
      LANGUAGE plpgsql STABLE
      SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
      AS $$
      BEGIN
        RETURN json_build_object(
          'replays', (SELECT coalesce(json_agg(x), '[]') FROM (
             SELECT a.network_id, a.id, a.network_message_id, a.request_hash, a.decision, a.response_code, a.approved_amount::text AS approved_amount,
                    a.authorization_code, a.reason
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

      -- The write of a batch of decided authorizations, atomic, in one statement. LOCK ORDER (every
      -- writer of these rows follows it): the ledger accounts first, in id order; then cards; then
      -- spend counters. Steps:
      --   1 lock the funding and settlement accounts of the approvals and read what is available;
      --   2 claim the network ids: an id a concurrent retry already wrote is left alone and
      --     reported in "duplicates" (the caller answers with the first answer);
      --   3 re-check every approval, in order, against what the database says now (merchant lock,
      --     single use, spend counters, funds): a race lost to an approval elsewhere becomes the
      --     decline it would have been (reported in "lost"), nothing of it is written;
      --   4 the holds (pending transfers) and one update per account for the whole batch;
      --   5 the outbox events (authorization.created, and fraud.alert for reviewed approvals).
      CREATE FUNCTION kartu_record_authorizations(batch jsonb) RETURNS jsonb
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
        batch_ids uuid[];
        inserted uuid[];
        approved_ids uuid[] := '{}';
        lost_ids uuid[] := '{}';
        lost_codes text[] := '{}';
        lost_map jsonb;
      BEGIN
        SELECT array_agg((e->>'id')::uuid) INTO batch_ids FROM jsonb_array_elements(batch) e;

        FOR acct IN
          SELECT la.id, la.credits_posted - la.debits_posted - la.debits_pending + la.overdraft_limit AS available
            FROM ledger_accounts la
           WHERE la.id IN (SELECT (e->>'fundingId')::uuid FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined'
                           UNION SELECT (e->>'settlementId')::uuid FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined')
           ORDER BY la.id
             FOR UPDATE
        LOOP
          avail := jsonb_set(avail, ARRAY[acct.id::text], to_jsonb(acct.available));
        END LOOP;

        WITH claimed AS (
          INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, original_id, amount, currency,
                                      approved_amount, decision, response_code, reason, authorization_code, merchant, pos, facts, policy,
                                      hold_id, counted, status, latency_us)
          SELECT (e->>'id')::uuid, (e->>'networkId')::uuid, e->>'messageId', e->>'requestHash', (e->>'businessId')::uuid, (e->>'cardId')::uuid,
                 (e->>'originalId')::uuid, (e->>'amount')::bigint, e->>'currency', (e->>'approvedAmount')::bigint, e->>'decision',
                 e->>'responseCode', e->>'reason', e->>'authorizationCode', e->'merchant', e->'pos', e->'facts', nullif(e->'policy', 'null'::jsonb),
                 (e->>'holdId')::uuid, CASE WHEN e->>'decision' <> 'declined' THEN e->'counters' ELSE '[]'::jsonb END,
                 CASE WHEN e->>'decision' <> 'declined' THEN 'pending' ELSE 'declined' END, (e->>'latencyUs')::integer
            FROM jsonb_array_elements(batch) e
          ON CONFLICT (network_id, network_message_id) DO NOTHING
          RETURNING id
        )
        SELECT coalesce(array_agg(id), '{}') INTO inserted FROM claimed;

        FOR a IN SELECT e FROM jsonb_array_elements(batch) e WHERE e->>'decision' <> 'declined' AND (e->>'id')::uuid = ANY(inserted) LOOP
          lost := NULL;
          approved := (a->>'approvedAmount')::bigint;
          IF a->>'cardType' = 'MERCHANT_LOCKED' THEN
            SELECT locked_merchant_id INTO locked_merchant FROM cards WHERE id = (a->>'cardId')::uuid FOR UPDATE;
            IF locked_merchant IS NOT NULL AND locked_merchant <> a->'merchant'->>'id' THEN lost := '57'; END IF;
          ELSIF a->>'cardType' = 'SINGLE_USE' AND a->>'originalId' IS NULL THEN
            PERFORM 1 FROM cards WHERE id = (a->>'cardId')::uuid FOR UPDATE;
            IF EXISTS (SELECT 1 FROM authorizations WHERE card_id = (a->>'cardId')::uuid AND status = 'pending'
                          AND (id <> ALL(batch_ids) OR id = ANY(approved_ids))) THEN
              lost := '05';
            END IF;
          END IF;
          IF lost IS NULL THEN
            FOR c IN SELECT value FROM jsonb_array_elements(a->'counters') LOOP
              INSERT INTO spend_counters (spend_root_id, limit_key, window_start)
              VALUES ((a->>'spendRootId')::uuid, c->>'limitKey', (c->>'windowStart')::date) ON CONFLICT DO NOTHING;
              SELECT sc.amount, sc.count INTO counter FROM spend_counters sc
               WHERE sc.spend_root_id = (a->>'spendRootId')::uuid AND sc.limit_key = c->>'limitKey' AND sc.window_start = (c->>'windowStart')::date
                 FOR UPDATE;
              IF c->>'kind' = 'count' AND counter.count + 1 > (c->>'limit')::bigint THEN lost := '65'; EXIT; END IF;
              IF c->>'kind' <> 'count' AND counter.amount + approved > (c->>'limit')::bigint THEN lost := '61'; EXIT; END IF;
            END LOOP;
          END IF;
          IF lost IS NULL AND (avail->>(a->>'fundingId'))::bigint < approved THEN lost := '51'; END IF;
          IF lost IS NULL THEN
            IF a->>'cardType' = 'MERCHANT_LOCKED' THEN
              UPDATE cards SET locked_merchant_id = a->'merchant'->>'id' WHERE id = (a->>'cardId')::uuid AND locked_merchant_id IS NULL;
            END IF;
            UPDATE spend_counters sc SET amount = sc.amount + approved, count = sc.count + 1
              FROM jsonb_array_elements(a->'counters') k
             WHERE sc.spend_root_id = (a->>'spendRootId')::uuid AND sc.limit_key = k->>'limitKey' AND sc.window_start = (k->>'windowStart')::date;
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
        END IF;

        IF cardinality(approved_ids) > 0 THEN
          INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending, open_amount, expires_at, reference)
          SELECT (e->>'holdId')::uuid, (e->>'businessId')::uuid, (e->>'fundingId')::uuid, (e->>'settlementId')::uuid, (e->>'approvedAmount')::bigint,
                 e->>'currency', 'hold', true, (e->>'approvedAmount')::bigint, (e->>'holdExpiresAt')::timestamptz, 'authorization:' || (e->>'id')
            FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(approved_ids);
          UPDATE ledger_accounts la SET debits_pending = la.debits_pending + t.total
            FROM (SELECT (e->>'fundingId')::uuid AS id, sum((e->>'approvedAmount')::bigint) AS total
                    FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(approved_ids) GROUP BY 1) t
           WHERE la.id = t.id;
          UPDATE ledger_accounts la SET credits_pending = la.credits_pending + t.total
            FROM (SELECT (e->>'settlementId')::uuid AS id, sum((e->>'approvedAmount')::bigint) AS total
                    FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid = ANY(approved_ids) GROUP BY 1) t
           WHERE la.id = t.id;
        END IF;

        INSERT INTO outbox_events (business_id, type, data)
        SELECT (e->>'businessId')::uuid, 'authorization.created',
               CASE WHEN lost_map ? (e->>'id')
                    THEN e->'event' || jsonb_build_object('decision', 'declined', 'responseCode', lost_map->(e->>'id')->>'responseCode',
                                                          'reason', lost_map->(e->>'id')->>'reason', 'approvedAmount', 0, 'authorizationCode', NULL)
                    ELSE e->'event' END
          FROM jsonb_array_elements(batch) e
         WHERE (e->>'id')::uuid = ANY(inserted) AND e->>'businessId' IS NOT NULL;
        INSERT INTO outbox_events (business_id, type, data)
        SELECT (e->>'businessId')::uuid, 'fraud.alert', e->'alert'
          FROM jsonb_array_elements(batch) e
         WHERE (e->>'id')::uuid = ANY(approved_ids) AND jsonb_typeof(e->'alert') = 'object';

        RETURN jsonb_build_object(
          'duplicates', (SELECT coalesce(jsonb_agg(e->>'id'), '[]'::jsonb) FROM jsonb_array_elements(batch) e WHERE (e->>'id')::uuid <> ALL(inserted)),
          'lost', lost_map);
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // The one-at-a-time function of 1764000000000 is not recreated: code of that age wrote with it.
    await q.query('DROP FUNCTION kartu_record_authorizations(jsonb); DROP FUNCTION kartu_read_authorizations(uuid[], text[], text[], uuid[], text[], date); ALTER TABLE authorizations DROP COLUMN policy');
  }
}
