/**
 * The top-level members of a JSON object as `[key, raw value text]` pairs, in the order they are
 * written. Unlike `JSON.parse`, this keeps the order of integer-like keys and the exact text of
 * every value, so a secret can be rewritten without disturbing fields rotakit does not own.
 * Returns undefined when `raw` is not a JSON object; reports a repeated key through `duplicate`.
 */
export function jsonObjectEntries(raw: string): { entries: Array<[string, string]>; duplicate?: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;

  // The text is valid JSON, so a scan only has to find where each member starts and ends.
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  let duplicate: string | undefined;
  let i = raw.indexOf('{') + 1;
  const skipSpace = (): void => {
    while (/\s/.test(raw[i] ?? '')) i += 1;
  };
  const endOfString = (start: number): number => {
    let j = start + 1;
    while (raw[j] !== '"') j += raw[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  for (;;) {
    skipSpace();
    if (raw[i] === '}') break;
    const keyEnd = endOfString(i);
    const key = JSON.parse(raw.slice(i, keyEnd)) as string;
    i = keyEnd;
    skipSpace();
    i += 1; // ':'
    skipSpace();
    const start = i;
    let depth = 0;
    while (i < raw.length) {
      const c = raw[i];
      if (c === '"') {
        i = endOfString(i);
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === ',' && depth === 0) break;
      i += 1;
    }
    if (seen.has(key)) duplicate ??= key;
    seen.add(key);
    entries.push([key, raw.slice(start, i).trim()]);
    if (raw[i] === ',') i += 1;
  }
  return duplicate === undefined ? { entries } : { entries, duplicate };
}

/** Writes entries back as compact JSON object text. */
export function jsonObjectText(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}
