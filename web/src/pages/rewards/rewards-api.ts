import { useQuery } from '@tanstack/react-query';
import { ApiError, get } from '../../api';
import type { RewardsProgram } from './rewards-types';

/** The program, or null when the business has none (404xx01). */
export function useProgram() {
  return useQuery({
    queryKey: ['rewards', 'program'],
    queryFn: async ({ signal }) => {
      try {
        return (await get<{ program: RewardsProgram }>('/rewards/program', undefined, signal)).program;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
}
