import { useQuery } from '@tanstack/react-query';
import { get } from '../../api';
import type { RewardsProgram } from './rewards-types';

/** The program, or null when the business has none yet. */
export function useProgram() {
  return useQuery({
    queryKey: ['rewards', 'program'],
    queryFn: async ({ signal }) => (await get<{ program: RewardsProgram | null }>('/rewards/program', undefined, signal)).program,
  });
}
