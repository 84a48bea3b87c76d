import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import type { RateLimits } from '../../platform/rate-limit';

/** The business's team: invitations, roles, disabled accounts, 2FA resets (owners). */
export function teamRoutes(_k: Kartu, _admin: ApiRouter, _limits: RateLimits): void {}
