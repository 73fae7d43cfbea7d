import cliProgress from 'cli-progress';
import { resultLine, type FleetOutcomeKind, type FleetResult } from './fleet.js';

/** Where a progress bar may be drawn: a terminal stream (`process.stderr`), or anything shaped like one. */
export interface ProgressStream {
  /** True on a terminal: only then is a bar drawn. */
  readonly isTTY?: boolean;
  /** The terminal's width, which the bar's line is cut to. */
  readonly columns?: number;
  /** Writes terminal text (the bar and its cursor moves). */
  write(text: string): boolean;
}

/** Shows a fleet run as it goes: a bar on a terminal, else one plain line per secret. */
export interface FleetDisplay {
  /** Before the first secret: how many there are. */
  start(total: number): void;
  /** One secret ended. */
  result(result: FleetResult, outcomes: Readonly<Record<FleetOutcomeKind, number>>): void;
  /** After the last secret (also after a failure of the whole run): the bar is cleared. */
  stop(): void;
}

/**
 * The display of a fleet run. On a terminal (`stream.isTTY`) a cli-progress bar on that stream
 * (stderr), counting ok, findings and failures, and no line per secret; elsewhere (CI, a pipe)
 * one plain line per secret through `line` as it ends, unless `quiet` (`--json`: stdout is the
 * document). The bar shows only counts and the title, never a value.
 */
export function fleetDisplay(options: { readonly title: string; readonly stream?: ProgressStream; readonly line: (text: string) => void; readonly quiet: boolean }): FleetDisplay {
  const stream = options.stream;
  if (stream?.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: `${options.title} [{bar}] {value}/{total} | ok {ok} | findings {finding} | failed {failed} | {duration_formatted}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        // Redraw at most every 100 ms: a thousand results do not mean a thousand redraws.
        fps: 10,
      },
      cliProgress.Presets.legacy,
    );
    return {
      start: (total) => bar.start(total, 0, { ok: 0, finding: 0, failed: 0 }),
      result: (_result, outcomes) => bar.increment(1, { ...outcomes }),
      stop: () => bar.stop(),
    };
  }
  return {
    start: () => undefined,
    result: (result) => {
      if (!options.quiet) options.line(resultLine(result));
    },
    stop: () => undefined,
  };
}
