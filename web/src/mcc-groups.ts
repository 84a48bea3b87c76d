import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import type { MccGroup } from './api-types';

/** MCC → the groups containing it, in file order (GET /mcc-groups; they change only with a release). */
export function useGroupsOfMcc(): (mcc: string | null | undefined) => string[] {
  const groups = useQuery({
    // The same query as the cards pages' category picker: one request for both.
    queryKey: ['mcc-groups'],
    queryFn: ({ signal }) => get<{ mccGroups: MccGroup[] }>('/mcc-groups', undefined, signal),
    staleTime: Infinity,
    select: (data) => {
      const byMcc = new Map<string, string[]>();
      for (const g of data.mccGroups) for (const mcc of g.mccs) byMcc.set(mcc, [...(byMcc.get(mcc) ?? []), g.name]);
      return byMcc;
    },
  });
  return (mcc) => (mcc ? (groups.data?.get(mcc) ?? []) : []);
}
