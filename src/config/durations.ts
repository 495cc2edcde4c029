const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Milliseconds from `500ms`, `10s`, `1.5s`, `2m` or a bare number of seconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']) : undefined;
}

/** The longest delay a Node timer holds: beyond it, setTimeout fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
