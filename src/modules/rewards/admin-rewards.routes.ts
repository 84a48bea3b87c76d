import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';

/** The rewards program, balances and redemption for the dashboard. */
export function adminRewardsRoutes(_k: Kartu, _admin: ApiRouter): void {}
