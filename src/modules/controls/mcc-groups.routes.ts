import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiRouter } from '../../platform/http';
import { MCC_GROUP_NAMES, mccsOfGroup } from './mcc-groups';

/** The MCC groups spend controls may name (rules/mcc-groups.json), for a category picker: SNAP service 91 (card inquiry). */
export function mccGroupRoutes(admin: ApiRouter, read: RequestHandler[]): void {
  const mccGroups = MCC_GROUP_NAMES.map((name) => ({ name, mccs: mccsOfGroup(name)! }));
  admin.route({
    method: 'get',
    path: '/mcc-groups',
    operationId: 'listMccGroups',
    description:
      'The named merchant category groups (e.g. travel) that spend controls accept, for pickers in the dashboard.',
    service: '91',
    tag: 'Cards',
    summary: 'The MCC groups a spend control may use in place of single MCCs, each with its MCCs (file order; MCCs sorted)',
    security: ['adminSession'],
    guards: read,
    response: z.object({ mccGroups: z.array(z.object({ name: z.string(), mccs: z.array(z.string()) })) }),
    handler: () => ({ mccGroups }),
  });
}
