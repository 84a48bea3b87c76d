import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's policy pages count what each policy did (its enforced declines and reviews of the
 * last 24 h, and what its shadow version would have declined or reviewed since it started) and show
 * examples (src/modules/policies/admin-policies.service.ts). Most authorizations trigger no policy
 * at all: this partial index holds only those where one did — an enforced decline, a review, or a
 * shadow decline or review — by business and time, so those reads visit the hits and nothing else,
 * however much traffic the business has. Its predicate is POLICY_HIT in that file, word for word
 * (PostgreSQL uses a partial index only when the query repeats its predicate). An authorization no
 * policy acted on adds nothing to it.
 */
export class PolicyHitsIndex1766000000000 implements MigrationInterface {
  name = 'PolicyHitsIndex1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX authorizations_policy_hits ON authorizations (business_id, created_at DESC)
       WHERE policy @? '$ ? (exists(@.decline) || exists(@.reviews[*]) || exists(@.shadow[*].events[*] ? (@.type == "decline" || @.type == "review")))'
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX authorizations_policy_hits');
  }
}
