/** What replaces a secret value wherever rotakit writes text. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are always withheld, whatever they hold: names that end in a credential word
 * (`password`, `AccountPassword`, `SecretString`, `secretKey`, …). `secretId` and `token` name
 * things, not credentials, and stay readable.
 */
const SECRET_KEY = /(pass(word|wd|phrase)?|secret(string|value|key)?|private.?key|api.?key|credentials?)$/i;

/**
 * Knows every secret value a rotation has seen and removes them from text, objects and errors.
 * Values are replaced longest first so that one secret containing another leaves no fragment.
 */
export class Redactor {
  #secrets: string[] = [];

  /** Registers secret values; empty strings are ignored. */
  add(...values: ReadonlyArray<string | undefined>): void {
    let changed = false;
    for (const value of values) {
      if (value && !this.#secrets.includes(value)) {
        this.#secrets.push(value);
        changed = true;
      }
    }
    if (changed) this.#secrets.sort((a, b) => b.length - a.length);
  }

  /** How many distinct secret values are known. */
  get size(): number {
    return this.#secrets.length;
  }

  /** `text` with every known secret value replaced. */
  text(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A deep copy of `value` with secret values replaced and secret-named keys withheld. */
  value(value: unknown, seen = new WeakSet<object>()): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value instanceof Error) return this.error(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.value(item, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && typeof item === 'string' ? REDACTED : this.value(item, seen);
    }
    return out;
  }

  /**
   * A copy of `error` safe to throw or log: message and stack redacted, the cause chain copied the
   * same way, and only plain diagnostic properties (code, errno, SQL state, …) kept.
   */
  error<E extends Error>(error: E, depth = 0): E {
    const copy = Object.create(Object.getPrototypeOf(error) as object) as E;
    Object.defineProperty(copy, 'message', { value: this.text(error.message), writable: true, configurable: true });
    Object.defineProperty(copy, 'name', { value: error.name, writable: true, configurable: true });
    if (error.stack) {
      Object.defineProperty(copy, 'stack', { value: this.text(error.stack), writable: true, configurable: true });
    }
    // Brands (rotakit's error brand) are kept, so the copy is recognised as the original was.
    for (const symbol of Object.getOwnPropertySymbols(error)) {
      const brand: unknown = (error as unknown as Record<symbol, unknown>)[symbol];
      if (typeof brand === 'boolean') Object.defineProperty(copy, symbol, { value: brand });
    }
    for (const [key, item] of Object.entries(error)) {
      if (SECRET_KEY.test(key)) continue;
      if (item === null || ['string', 'number', 'boolean'].includes(typeof item)) {
        (copy as Record<string, unknown>)[key] = typeof item === 'string' ? this.text(item) : item;
      }
    }
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && depth < 8) {
      const safeCause =
        cause instanceof Error ? this.error(cause, depth + 1) : typeof cause === 'string' ? this.text(cause) : undefined;
      if (safeCause !== undefined) {
        Object.defineProperty(copy, 'cause', { value: safeCause, writable: true, configurable: true });
      }
    }
    return copy;
  }
}
