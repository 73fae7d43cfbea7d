import { randomInt } from 'node:crypto';

/** Kills per cloud and strategy in a default run. */
export const DEFAULT_RUNS = 2;

/** The environment variable that scales the kills per cloud and strategy. */
export const RUNS_VARIABLE = 'ROTAKIT_ADVERSARIAL_RUNS';
/** The environment variable that replays a run: the seed every random choice derives from. */
export const SEED_VARIABLE = 'ROTAKIT_ADVERSARIAL_SEED';

/** A whole number from the environment, or `fallback`; anything else is a mistake worth stopping for. */
function wholeNumber(name: string, fallback: number, minimum: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${name} must be a whole number of at least ${minimum}`);
  return value;
}

/** How many kills each cloud and strategy gets: `ROTAKIT_ADVERSARIAL_RUNS`, default {@link DEFAULT_RUNS}. */
export function runsPerFamily(): number {
  return wholeNumber(RUNS_VARIABLE, DEFAULT_RUNS, 1);
}

/** The run's seed: `ROTAKIT_ADVERSARIAL_SEED`, or a fresh one (printed, so that the run can be replayed). */
export function runSeed(): number {
  return wholeNumber(SEED_VARIABLE, randomInt(2 ** 31), 0);
}

/** A seeded random source in [0, 1) (mulberry32): the same seed makes the same choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, chosen by `random`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick: no items');
  return item;
}
