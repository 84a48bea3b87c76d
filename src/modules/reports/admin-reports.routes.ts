import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';

/** Reports, statements and the accounting export for the dashboard. */
export function adminReportRoutes(_k: Kartu, _admin: ApiRouter): void {}
