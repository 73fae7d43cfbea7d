import type { Login, SecretStore, StoreSession, Target, TargetSession } from '@rotakit/core';

/**
 * A deterministic scheduler for rotations running side by side in one process: every store and
 * target call a task makes first waits at a point, and exactly one waiting task goes on at a time.
 * Which one is given by a list of choices, so that a depth-first search over the choice lists
 * visits every interleaving of the tasks' calls (stateless model checking).
 */
export class Scheduler {
  readonly #choices: readonly number[];
  /** The decisions made in this run: how many tasks could go on, and which one did. */
  readonly decisions: { options: number; chosen: number }[] = [];
  /** Every call in the order it ran: `<task>:<call>`. */
  readonly trace: string[] = [];
  readonly #waiting = new Map<string, { call: string; go: () => void }>();
  readonly #live = new Set<string>();
  /** Task and point number at which that task's process dies: it never returns from the call. */
  readonly #kill: { task: string; at: number } | undefined;
  readonly #calls = new Map<string, number>();
  #settle: (() => void) | undefined;

  constructor(choices: readonly number[], kill?: { task: string; at: number }) {
    this.#choices = choices;
    this.#kill = kill;
  }

  /** Runs `tasks` to the end (a killed task hangs forever and counts as ended). */
  async run(tasks: Record<string, () => Promise<unknown>>): Promise<Record<string, PromiseSettledResult<unknown>>> {
    const results: Record<string, PromiseSettledResult<unknown>> = {};
    for (const name of Object.keys(tasks)) this.#live.add(name);
    for (const [name, task] of Object.entries(tasks)) {
      void task().then(
        (value) => this.#end(name, results, { status: 'fulfilled', value }),
        (reason: unknown) => this.#end(name, results, { status: 'rejected', reason }),
      );
    }
    for (;;) {
      await this.#quiescent();
      const ready = [...this.#waiting.keys()].sort();
      if (ready.length === 0) return results;
      const index = this.decisions.length;
      const chosen = ready.length === 1 ? 0 : Math.min(this.#choices[index] ?? 0, ready.length - 1);
      if (ready.length > 1) this.decisions.push({ options: ready.length, chosen });
      const name = ready[chosen]!;
      const waiting = this.#waiting.get(name)!;
      this.#waiting.delete(name);
      this.trace.push(`${name}:${waiting.call}`);
      waiting.go();
    }
  }

  /** Waits until the task may make `call`. */
  point(task: string, call: string): Promise<void> {
    const count = (this.#calls.get(task) ?? 0) + 1;
    this.#calls.set(task, count);
    if (this.#kill?.task === task && this.#kill.at === count) {
      this.trace.push(`${task}:killed before ${call}`);
      this.#live.delete(task);
      this.#settle?.();
      return new Promise(() => undefined);
    }
    return new Promise((resolve) => {
      this.#waiting.set(task, { call, go: resolve });
      this.#settle?.();
    });
  }

  /** The number of calls the task reached (its points). */
  callsOf(task: string): number {
    return this.#calls.get(task) ?? 0;
  }

  #end(name: string, results: Record<string, PromiseSettledResult<unknown>>, result: PromiseSettledResult<unknown>): void {
    results[name] = result;
    this.#live.delete(name);
    this.#settle?.();
  }

  /** Resolves once every live task waits at a point (or none is left). */
  async #quiescent(): Promise<void> {
    while ([...this.#live].some((name) => !this.#waiting.has(name))) {
      await new Promise<void>((resolve) => {
        this.#settle = resolve;
      });
      this.#settle = undefined;
    }
  }
}

/** Every choice list of a depth-first search, one after another, as the runs reveal the tree. */
export function* choiceLists(): Generator<number[], void, Scheduler> {
  let prefix: number[] = [];
  for (;;) {
    const scheduler = yield prefix;
    const decisions = scheduler.decisions;
    let depth = decisions.length - 1;
    while (depth >= 0 && decisions[depth]!.chosen + 1 >= decisions[depth]!.options) depth -= 1;
    if (depth < 0) return;
    prefix = [...decisions.slice(0, depth).map((d) => d.chosen), decisions[depth]!.chosen + 1];
  }
}

/** The store as one task sees it: every call waits for its turn. */
export function scheduledStore(store: SecretStore, scheduler: Scheduler, task: string): SecretStore {
  const at = (call: string) => scheduler.point(task, call);
  const session = (inner: StoreSession): StoreSession => ({
    secretId: inner.secretId,
    token: inner.token,
    stages: inner.stages,
    read: async (stage) => (await at(`read ${stage}`), inner.read(stage)),
    writePending: async (value) => (await at('writePending'), inner.writePending(value)),
    promote: async () => (await at('promote'), inner.promote()),
    ...(inner.withdraw ? { withdraw: async () => (await at('withdraw'), inner.withdraw!()) } : {}),
  });
  return {
    name: store.name,
    open: async (secretId, token) => (await at('open'), session(await store.open(secretId, token))),
    readCurrent: async (secretId) => (await at('readCurrent'), store.readCurrent(secretId)),
  };
}

/** The target as one task sees it: every call waits for its turn; passwords it sets are noted. */
export function scheduledTarget(
  target: Target,
  scheduler: Scheduler,
  task: string,
  passwordsSet: string[],
): Target {
  const at = (call: string) => scheduler.point(task, call);
  const session = (inner: TargetSession): TargetSession => ({
    ping: async () => (await at('ping'), inner.ping()),
    setOwnPassword: async (password) => {
      await at('setOwnPassword');
      passwordsSet.push(password);
      return inner.setOwnPassword(password);
    },
    syncUser: async (request) => {
      await at('syncUser');
      passwordsSet.push(request.password);
      return inner.syncUser(request);
    },
    identity: async () => (await at('identity'), inner.identity!()),
    close: async () => (await at('close'), inner.close()),
  });
  return {
    engine: target.engine,
    maxUsernameLength: target.maxUsernameLength,
    tls: target.tls,
    connect: async (login: Login) => (await at(`connect ${login.username}`), session(await target.connect(login))),
  };
}
