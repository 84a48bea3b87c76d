import { Foundation1763700000000 } from './1763700000000-foundation';
import { Cards1763800000000 } from './1763800000000-cards';
import { Ledger1763900000000 } from './1763900000000-ledger';
import { Authorizations1764000000000 } from './1764000000000-authorizations';
import { TransactionHistory1764050000000 } from './1764050000000-transaction-history';
import { AuthorizationBatches1764060000000 } from './1764060000000-authorization-batches';
import { Policies1764100000000 } from './1764100000000-policies';
import { Webhooks1764200000000 } from './1764200000000-webhooks';
import { RewardsReports1764300000000 } from './1764300000000-rewards-reports';
import { NetworkMessageMerchants1764400000000 } from './1764400000000-network-message-merchants';
import { EventCursor1764500000000 } from './1764500000000-event-cursor';
import { LeanerAuthorizationWrite1764600000000 } from './1764600000000-leaner-authorization-write';
import { DropPlaceHold1764700000000 } from './1764700000000-drop-place-hold';
import { HoldForeignKeys1764800000000 } from './1764800000000-hold-foreign-keys';
import { VelocityRollups1764900000000 } from './1764900000000-velocity-rollups';
import { BrinAutosummarize1765000000000 } from './1765000000000-brin-autosummarize';
import { Iso4217MinorUnits1765100000000 } from './1765100000000-iso-4217-minor-units';
import { TwoFactor1765200000000 } from './1765200000000-two-factor';
import { PartnerClientOptions1765300000000 } from './1765300000000-partner-client-options';
import { ExternalIdAnswers1765400000000 } from './1765400000000-external-id-answers';
import { SelfTests1765600000000 } from './1765600000000-self-tests';
import { PolicyHitsIndex1766000000000 } from './1766000000000-policy-hits-index';
import { AuditLogFilters1766030000000 } from './1766030000000-audit-log-filters';
import { Team1766040000000 } from './1766040000000-team';
import { ForeignCurrency1766100000000 } from './1766100000000-foreign-currency';

/** Every migration, oldest first. A landed migration is never edited; add a new one. */
export const migrations = [
  Foundation1763700000000,
  Cards1763800000000,
  Ledger1763900000000,
  Authorizations1764000000000,
  TransactionHistory1764050000000,
  AuthorizationBatches1764060000000,
  Policies1764100000000,
  Webhooks1764200000000,
  RewardsReports1764300000000,
  NetworkMessageMerchants1764400000000,
  EventCursor1764500000000,
  LeanerAuthorizationWrite1764600000000,
  DropPlaceHold1764700000000,
  HoldForeignKeys1764800000000,
  VelocityRollups1764900000000,
  BrinAutosummarize1765000000000,
  Iso4217MinorUnits1765100000000,
  TwoFactor1765200000000,
  PartnerClientOptions1765300000000,
  ExternalIdAnswers1765400000000,
  SelfTests1765600000000,
  PolicyHitsIndex1766000000000,
  AuditLogFilters1766030000000,
  Team1766040000000,
  ForeignCurrency1766100000000,
];
