import { readFile } from 'node:fs/promises';
import { InvalidOptionsError, isRotakitError, Redactor } from '@rotakit/core';
import { inferCloud, type CloudName, type CloudSecrets, type SecretFilter } from './cloud.js';

/** How one secret of a fleet ended: `ok`, a `finding` (stuck, broken, a plan refused), or `failed` (an error, a failed rotation). */
export type FleetOutcomeKind = 'ok' | 'finding' | 'failed';

/** What one per-secret operation reports: its outcome, a short label to count by (a verdict, `rotated`, a plan), and what `--json` keeps. */
export interface FleetOutcome {
  readonly outcome: FleetOutcomeKind;
  /** What the summary counts by: `healthy`, `stuck`, `rotated`, `withdraw`, … */
  readonly label: string;
  readonly reason?: string;
  /** rotakit's error code, when the outcome is a failure that has one. */
  readonly code?: string;
  /** The operation's own result (a status, a rotation report, a recovery plan), for the report. */
  readonly details?: unknown;
}

/** One secret of a fleet run: where it is, and how it ended. */
export interface FleetResult extends FleetOutcome {
  readonly secretId: string;
  readonly cloud: CloudName;
}

/**
 * One subcommand of `rotakit fleet` over one secret. `redactor` is the secret's own: every value
 * the operation reads is added to it, and the result is scrubbed with it before anything prints it.
 */
export type FleetOperation = (secrets: CloudSecrets, secretId: string, redactor: Redactor) => Promise<FleetOutcome>;

/** A secret picked for a fleet run, and its cloud. */
export interface FleetTarget {
  readonly cloud: CloudName;
  readonly secretId: string;
}

/**
 * The ids of a `--from` file: one a line, blank lines and `#` comments skipped (a `#` after an id
 * starts a comment too), surrounding spaces trimmed.
 */
export function idsOfText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** The targets of a `--from` file: each id's cloud is `cloud`, else the one its ARN names. */
export async function targetsFromFile(file: string, cloud: CloudName | undefined): Promise<FleetTarget[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidOptionsError(`--from ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: '--from' });
  }
  return idsOfText(text).map((secretId, index) => {
    const of = cloud ?? inferCloud(secretId);
    if (of === undefined) {
      throw new InvalidOptionsError(`--from ${file} line ${index + 1}: "${secretId}" is not an ARN that names its cloud; pass --cloud`, { field: '--cloud' });
    }
    return { cloud: of, secretId };
  });
}

/** The targets a cloud lists for `--match` and `--tag`. */
export async function targetsListed(secrets: CloudSecrets, filter: SecretFilter): Promise<FleetTarget[]> {
  if (secrets.list === undefined) {
    throw new InvalidOptionsError(`--match and --tag cannot list --cloud ${secrets.cloud} secrets in this version; pass the ids with --from`, { field: filter.prefix === undefined ? '--tag' : '--match' });
  }
  const targets: FleetTarget[] = [];
  for await (const secretId of secrets.list(filter)) targets.push({ cloud: secrets.cloud, secretId });
  return targets;
}

/** `--tag key` or `--tag key=value`. */
export function tagOf(text: string): { key: string; value?: string } {
  const at = text.indexOf('=');
  const key = at < 0 ? text : text.slice(0, at);
  if (key === '') throw new InvalidOptionsError('--tag must be KEY or KEY=VALUE', { field: '--tag' });
  return at < 0 ? { key } : { key, value: text.slice(at + 1) };
}

/** How a fleet run goes: at most `concurrency` secrets at once, each result handed to `onResult` as it ends. */
export interface FleetRunOptions {
  readonly concurrency: number;
  readonly secretsOf: (cloud: CloudName) => Promise<CloudSecrets>;
  readonly operation: FleetOperation;
  readonly onResult: (result: FleetResult) => void;
}

/**
 * Runs `operation` over every target with at most `concurrency` at once. A secret's failure (any
 * error the operation throws) is its result, `failed` with rotakit's error code, and never stops
 * the others. Each result is scrubbed with the secret's own redactor before `onResult` sees it.
 */
export async function runFleet(targets: readonly FleetTarget[], options: FleetRunOptions): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next]!;
      next += 1;
      options.onResult(await runOne(target, options));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
}

async function runOne(target: FleetTarget, options: FleetRunOptions): Promise<FleetResult> {
  const redactor = new Redactor();
  let outcome: FleetOutcome;
  try {
    outcome = await options.operation(await options.secretsOf(target.cloud), target.secretId, redactor);
  } catch (error) {
    const code = isRotakitError(error) ? error.code : 'Unexpected';
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
    outcome = { outcome: 'failed', label: 'error', code, reason: message };
  }
  // Through JSON first, so dates are the ISO text `--json` prints and not objects the redactor copies empty.
  const plain: unknown = JSON.parse(JSON.stringify({ secretId: target.secretId, cloud: target.cloud, ...outcome }));
  return redactor.value(plain) as FleetResult;
}

/** What a whole fleet run found: counts by outcome and label, and every result (or only the ones not ok). */
export interface FleetSummary {
  readonly command: string;
  readonly total: number;
  readonly outcomes: Readonly<Record<FleetOutcomeKind, number>>;
  readonly labels: Readonly<Record<string, number>>;
  readonly secrets: readonly FleetResult[];
}

/** Gathers results into a {@link FleetSummary}; `keepAll` keeps the ok ones too (for `--json` and `--report`). */
export class FleetTally {
  readonly #outcomes: Record<FleetOutcomeKind, number> = { ok: 0, finding: 0, failed: 0 };
  readonly #labels = new Map<string, number>();
  readonly #kept: FleetResult[] = [];

  constructor(
    private readonly command: string,
    private readonly keepAll: boolean,
  ) {}

  /** Counts one result. */
  add(result: FleetResult): void {
    this.#outcomes[result.outcome] += 1;
    this.#labels.set(result.label, (this.#labels.get(result.label) ?? 0) + 1);
    if (this.keepAll || result.outcome !== 'ok') this.#kept.push(this.keepAll ? result : withoutDetails(result));
  }

  /** How many results so far, by outcome. */
  get outcomes(): Readonly<Record<FleetOutcomeKind, number>> {
    return this.#outcomes;
  }

  /** The summary so far, secrets in the order they ended. */
  summary(): FleetSummary {
    const total = this.#outcomes.ok + this.#outcomes.finding + this.#outcomes.failed;
    return { command: this.command, total, outcomes: { ...this.#outcomes }, labels: Object.fromEntries(this.#labels), secrets: [...this.#kept] };
  }
}

function withoutDetails(result: FleetResult): FleetResult {
  const { details: _details, ...rest } = result;
  return rest;
}

/** The plain line for one result: `<id>: <label>`, the reason after it, a failure with its code. */
export function resultLine(result: FleetResult): string {
  const why = result.code === undefined ? result.reason : `${result.code}: ${result.reason ?? ''}`;
  return `${result.secretId} (${result.cloud}): ${result.label}${why === undefined ? '' : ` (${why})`}`;
}

/** The summary table printed at the end: counts per label and outcome, then each secret that was not ok. */
export function summaryText(summary: FleetSummary): string {
  const lines = [
    `fleet ${summary.command}: ${summary.total} secret${summary.total === 1 ? '' : 's'}: ${summary.outcomes.ok} ok, ${summary.outcomes.finding} finding${summary.outcomes.finding === 1 ? '' : 's'}, ${summary.outcomes.failed} failed`,
  ];
  const labels = Object.entries(summary.labels).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(5, ...labels.map(([label]) => label.length));
  lines.push(`  ${'result'.padEnd(width)}  secrets`);
  for (const [label, count] of labels) lines.push(`  ${label.padEnd(width)}  ${String(count).padStart(7)}`);
  const failing = summary.secrets.filter((result) => result.outcome !== 'ok');
  if (failing.length > 0) {
    lines.push('not ok:');
    for (const result of failing) lines.push(`  ${resultLine(result)}`);
  }
  return lines.join('\n');
}
