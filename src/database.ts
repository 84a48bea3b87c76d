import type { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { Admin } from './modules/access/admin.entity';
import { ApiClient } from './modules/access/api-client.entity';
import { AuditEntry } from './modules/access/audit-entry.entity';
import { Business } from './modules/access/business.entity';
import { Network } from './modules/access/network.entity';
import { Card } from './modules/cards/card.entity';
import { Cardholder } from './modules/cards/cardholder.entity';
import { createDataSource } from './platform/db';

export const entities = [Business, ApiClient, Network, Admin, AuditEntry, Cardholder, Card];

export function kartuDataSource(url: string, poolSize?: number): DataSource {
  return createDataSource({ url, entities, migrations, poolSize });
}
