import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * MCC groups (rules/mcc-groups.json): named sets of ISO 18245 merchant category codes that spend
 * controls may use in place of single MCCs ("restaurants", "travel", …). The file is read and
 * validated once, when this module is first imported; a missing or malformed file fails loudly
 * then, not on the first authorization.
 */

const RULES_FILE = path.join('rules', 'mcc-groups.json');

const MCC_PATTERN = /^\d{4}$/;
const GROUP_NAME_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

const mcc = z.string().regex(MCC_PATTERN, 'an MCC is 4 digits');

const groupDefinition = z
  .strictObject({
    description: z.string().min(1),
    mccs: z.array(mcc).optional(),
    /** Inclusive ranges, e.g. ["3000", "3350"]. */
    ranges: z
      .array(z.tuple([mcc, mcc]))
      .optional()
      .superRefine((ranges, ctx) => {
        ranges?.forEach(([lo, hi], i) => {
          if (lo > hi) ctx.addIssue({ code: 'custom', path: [i], message: `range ${lo}-${hi} is reversed` });
        });
      }),
    /** Other groups whose codes this group contains (a union; no cycles). */
    includes: z.array(z.string()).optional(),
  })
  .refine((g) => (g.mccs?.length ?? 0) + (g.ranges?.length ?? 0) + (g.includes?.length ?? 0) > 0, 'a group needs mccs, ranges or includes');

const mccGroupsFile = z.strictObject({
  version: z.literal(1),
  about: z.string().optional(),
  groups: z.record(z.string().regex(GROUP_NAME_PATTERN, 'group names are lowercase snake_case'), groupDefinition),
});

export interface MccGroupIndex {
  /** Group names in file order. */
  readonly names: readonly string[];
  /** Group name → its expanded MCCs. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  /** MCC → the groups containing it, in file order. */
  readonly groupsByMcc: ReadonlyMap<string, readonly string[]>;
}

/** Validates the parsed contents of an MCC groups file and expands ranges and includes. Throws on any problem. */
export function buildMccGroupIndex(raw: unknown, source = 'mcc groups'): MccGroupIndex {
  const parsed = mccGroupsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // A bad record key is reported as `invalid_key` wrapping the key schema's own issues.
    const message = issue.code === 'invalid_key' && issue.issues[0] ? `invalid group name: ${issue.issues[0].message}` : issue.message;
    throw new Error(`${source}: invalid at ${issue.path.map(String).join('.') || '(root)'}: ${message}`);
  }
  const groups = parsed.data.groups;
  const names = Object.keys(groups);
  const members = new Map<string, Set<string>>();

  const expand = (name: string, trail: string[]): Set<string> => {
    const done = members.get(name);
    if (done) return done;
    if (trail.includes(name)) throw new Error(`${source}: groups include each other in a cycle: ${[...trail, name].join(' → ')}`);
    const def = groups[name];
    if (!def) throw new Error(`${source}: group "${trail.at(-1)}" includes unknown group "${name}"`);
    const set = new Set<string>(def.mccs ?? []);
    for (const [lo, hi] of def.ranges ?? []) {
      for (let code = Number(lo); code <= Number(hi); code++) set.add(String(code).padStart(4, '0'));
    }
    for (const included of def.includes ?? []) for (const code of expand(included, [...trail, name])) set.add(code);
    if (set.size === 0) throw new Error(`${source}: group "${name}" has no MCCs`);
    members.set(name, set);
    return set;
  };
  for (const name of names) expand(name, []);

  const groupsByMcc = new Map<string, string[]>();
  for (const name of names) {
    for (const code of members.get(name)!) {
      const list = groupsByMcc.get(code);
      if (list) list.push(name);
      else groupsByMcc.set(code, [name]);
    }
  }
  return { names: Object.freeze(names), members, groupsByMcc };
}

/**
 * Finds rules/mcc-groups.json by walking up from this file's directory: from src/modules/controls
 * (tests, ts runners) and from dist/src/modules/controls (the build) alike it reaches the repository
 * root, where rules/ lives.
 */
export function findMccGroupsFile(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, RULES_FILE);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${RULES_FILE} not found in ${startDir} or any directory above it`);
    dir = parent;
  }
}

function loadMccGroups(): MccGroupIndex {
  const file = findMccGroupsFile();
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return buildMccGroupIndex(raw, file);
}

const INDEX = loadMccGroups();

/** Every group name in rules/mcc-groups.json, in file order. */
export const MCC_GROUP_NAMES: readonly string[] = INDEX.names;

const GROUP_NAMES = new Set(MCC_GROUP_NAMES);

export function isMcc(value: string): boolean {
  return MCC_PATTERN.test(value);
}

/** The groups containing an MCC (a fresh array, file order); [] for an MCC in no group. */
export function mccGroupsOf(mcc: string): string[] {
  return [...(INDEX.groupsByMcc.get(mcc) ?? [])];
}

/** The expanded MCCs of a group (sorted), or undefined for an unknown name. */
export function mccsOfGroup(group: string): string[] | undefined {
  const set = INDEX.members.get(group);
  return set ? [...set].sort() : undefined;
}

/** A spend-control category is a 4-digit MCC ("0000"–"9999") or a group name. */
export function isKnownCategory(category: string): boolean {
  return isMcc(category) || GROUP_NAMES.has(category);
}

/** Whether a merchant's MCC falls under a category: the same MCC, or a member of the named group. */
export function categoryMatches(category: string, mcc: string): boolean {
  if (isMcc(category)) return category === mcc;
  return INDEX.members.get(category)?.has(mcc) ?? false;
}
