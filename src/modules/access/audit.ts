import type { EntityManager } from 'typeorm';
import { requestContext } from '../../platform/request-context';
import type { ActorType } from './audit-entry.entity';

export interface AuditRecord {
  businessId: string | null;
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** Writes an audit entry with the caller's transaction, so the entry and the change commit together. */
export async function recordAudit(tx: EntityManager, record: AuditRecord): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (business_id, actor_type, actor_id, action, target_type, target_id, details, request_id, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      record.businessId,
      record.actorType,
      record.actorId ?? null,
      record.action,
      record.targetType ?? null,
      record.targetId ?? null,
      JSON.stringify(record.details ?? {}),
      requestContext.getStore()?.requestId ?? null,
      record.ip ?? null,
    ],
  );
}
