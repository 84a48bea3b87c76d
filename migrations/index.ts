import { Foundation1763700000000 } from './1763700000000-foundation';

/** Every migration, oldest first. A landed migration is never edited; add a new one. */
export const migrations = [Foundation1763700000000];
