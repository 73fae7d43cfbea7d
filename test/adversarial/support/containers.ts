// The parent's side of the function containers: forks child.mjs, hands it invocations over IPC,
// SIGKILLs it when a kill is armed, and keeps everything it wrote.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
/** How long a container may take to load its handler, and to stop once told to. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** The clouds whose handlers a container runs. */
export type Cloud = 'aws' | 'alibaba' | 'ncloud';
/** The strategies a container's handler rotates with. */
export type StrategyKind = 'single-user' | 'alternating-users';

/** An error as a container reports it: the fields of a rotakit error, never its cause. */
export interface ReportedError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly retryable?: boolean;
  readonly pendingToken?: string;
}

/** How one invocation ended. */
export type Outcome =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: ReportedError }
  /** SIGKILLed by the parent before it answered. */
  | { readonly kind: 'killed' };

/** When an armed kill strikes: a delay after the invocation was handed over, or once `when` holds. */
export type KillMoment = { readonly delayMs: number } | { readonly when: () => boolean };

/** A kill armed for the next invocation labelled `label`. */
export interface KillPlan {
  readonly label: string;
  readonly at: KillMoment;
  /** Runs once the container is dead, before the invocation is answered `killed` (the no-lockout check). */
  readonly afterKill?: () => Promise<void>;
}

type Message =
  | { type: 'ready' }
  | { type: 'returned'; id: number; value: unknown }
  | { type: 'threw'; id: number; error: ReportedError };

/** One forked container. */
class Container {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output streams are drained. */
  readonly gone: Promise<void>;
  readonly answers = new Map<number, (outcome: Outcome) => void>();
  /** Set the moment the parent decides to kill: answers that arrive later are ignored. */
  doomed = false;
  /** Labels this container has answered: its later invocations of them run warm. */
  readonly served = new Set<string>();

  constructor(cloud: Cloud, strategy: StrategyKind, env: Readonly<Record<string, string>>, output: string[]) {
    this.process = fork(CHILD, [cloud, strategy], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The container runs built code only: none of the test runner's loaders or flags.
      execArgv: [],
      env: { ...process.env, ...env },
    });
    const closed = (stream: NodeJS.ReadableStream | null): Promise<void> =>
      new Promise((resolve) => {
        if (!stream) return resolve();
        const chunks: string[] = [];
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => chunks.push(chunk));
        stream.on('close', () => {
          output.push(chunks.join(''));
          resolve();
        });
      });
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.gone = Promise.all([exited, closed(this.process.stdout), closed(this.process.stderr)]).then(() => undefined);
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${cloud} container did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      this.process.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the ${cloud} container exited (${signal ?? code}) before it was ready`));
      });
      this.process.on('message', (message: Message) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (this.doomed) return;
        const answer = this.answers.get(message.id);
        this.answers.delete(message.id);
        answer?.(message.type === 'returned' ? { kind: 'returned', value: message.value } : { kind: 'threw', error: message.error });
      });
    });
    // A container that dies unasked fails what it was running; the test then sees why.
    this.process.once('exit', (code, signal) => {
      if (this.doomed) return;
      for (const answer of this.answers.values()) {
        answer({ kind: 'threw', error: { name: 'ContainerExited', message: `the container exited (${signal ?? code})` } });
      }
      this.answers.clear();
    });
  }
}

/** What a host counted. */
export interface HostCounts {
  /** Containers forked. */
  spawned: number;
  /** Kills that struck while the invocation ran. */
  kills: number;
}

/**
 * The function service of one cloud and strategy: runs invocations in a warm container (as a
 * function service reuses one), has a spare loaded whenever a kill is armed so that the invocation
 * after the kill starts in a fresh process, and measures how long invocations take.
 */
export class FunctionHost {
  readonly counts: HostCounts = { spawned: 0, kills: 0 };
  /** Everything every container wrote to stdout and stderr, one entry per stream. */
  readonly output: string[] = [];
  /** What went wrong while killing (an `afterKill` check that threw); the caller asserts it is empty. */
  readonly failures: unknown[] = [];
  readonly #cloud: Cloud;
  readonly #strategy: StrategyKind;
  readonly #env: Readonly<Record<string, string>>;
  readonly #durations = new Map<string, number[]>();
  readonly #all = new Set<Container>();
  #current: Container;
  /** Loaded before a kill is armed, to take over from the container the kill strikes. */
  #spare: Container | undefined;
  #plan: KillPlan | undefined;
  #ids = 0;

  constructor(cloud: Cloud, strategy: StrategyKind, env: Readonly<Record<string, string>>) {
    this.#cloud = cloud;
    this.#strategy = strategy;
    this.#env = env;
    this.#current = this.#spawn();
  }

  /**
   * Arms a kill for the next invocation labelled `plan.label`; it strikes once, or misses. Resolves
   * once the spare that will take over is loaded: a container loading meanwhile would slow the
   * invocation down, and the kill would land earlier in it than its typical duration says.
   */
  async armKill(plan: KillPlan): Promise<void> {
    this.#spare ??= this.#spawn();
    await this.#spare.ready;
    this.#plan = plan;
  }

  /**
   * The median time an invocation labelled `label` took, from handover to answer, in a container
   * as warm as the one the next invocation runs in (a container's first invocation of a label is
   * slower: connections, compilation).
   */
  typicalMs(label: string): number {
    const samples = [...(this.#durations.get(durationKey(label, this.#current.served.has(label))) ?? [])].sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)];
    if (median === undefined) throw new Error(`no ${label} invocation was measured in a container like the current one`);
    return median;
  }

  /** Hands `payload` to the warm container; a kill armed for `label` strikes during it. */
  async invoke(label: string, payload: unknown): Promise<Outcome> {
    const container = this.#current;
    await container.ready;
    const plan = this.#plan?.label === label ? this.#plan : undefined;
    if (plan) this.#plan = undefined;
    const id = (this.#ids += 1);
    const warm = container.served.has(label);
    const started = performance.now();
    return new Promise<Outcome>((resolve) => {
      let stopWatching = (): void => undefined;
      container.answers.set(id, (outcome) => {
        // An armed kill whose invocation answered first did not strike; the time counts like any other.
        stopWatching();
        this.#measure(durationKey(label, warm), performance.now() - started);
        container.served.add(label);
        resolve(outcome);
      });
      container.process.send({ type: 'invoke', id, payload });
      if (!plan) return;
      const strike = (): void => {
        stopWatching();
        void this.#kill(container, plan)
          .catch((error: unknown) => this.failures.push(error))
          .then(() => resolve({ kind: 'killed' }));
      };
      if ('delayMs' in plan.at) {
        const timer = setTimeout(strike, plan.at.delayMs);
        stopWatching = () => clearTimeout(timer);
      } else {
        const when = plan.at.when;
        let watching = true;
        const poll = (): void => {
          if (!watching) return;
          if (when()) strike();
          else setImmediate(poll);
        };
        stopWatching = () => {
          watching = false;
        };
        setImmediate(poll);
      }
    });
  }

  /** Stops every container still running and waits for their output. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#all].map(async (container) => {
        if (container.process.exitCode === null && container.process.signalCode === null) {
          const timer = setTimeout(() => container.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
          // A loading container is told to stop once it can hear it.
          await container.ready.catch(() => undefined);
          if (container.process.connected) container.process.disconnect();
          await container.gone;
          clearTimeout(timer);
        }
        await container.gone;
      }),
    );
  }

  async #kill(container: Container, plan: KillPlan): Promise<void> {
    container.doomed = true;
    container.process.kill('SIGKILL');
    this.counts.kills += 1;
    // The spare takes over: the cloud's next invocation starts in a fresh process.
    this.#current = this.#spare ?? this.#spawn();
    this.#spare = undefined;
    await container.gone;
    container.answers.clear();
    await plan.afterKill?.();
  }

  #spawn(): Container {
    const container = new Container(this.#cloud, this.#strategy, this.#env, this.output);
    // A container that fails to start fails the invocation that waits for it, not the process.
    container.ready.catch(() => undefined);
    this.#all.add(container);
    this.counts.spawned += 1;
    return container;
  }

  #measure(key: string, ms: number): void {
    const samples = this.#durations.get(key) ?? [];
    samples.push(ms);
    this.#durations.set(key, samples);
  }
}

function durationKey(label: string, warm: boolean): string {
  return `${warm ? 'warm' : 'cold'} ${label}`;
}
