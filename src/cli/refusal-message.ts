import { MAX_TIMER_MS } from '../config/durations';
import type { Said } from '../config/environment';
import type { GivenSettings, SettingError } from '../config/settings';

/** What the user wrote for each setting, and where (a flag or a variable). */
export type SaidSettings = Partial<Record<keyof GivenSettings, Said<unknown>>>;

/** A setting the check refused, in the command line's words: who gave it, the value as typed, what would do. */
export function refusalMessage(error: SettingError, said: SaidSettings): string {
  const by = said[error.setting]?.by ?? error.setting;
  const why = error.why === undefined ? '' : ` (${error.why})`;
  if (error.setting === 'successCodes') return `bad exit code for ${by}: ${error.value} (want 0-255)`;
  if (error.setting === 'restart') return `bad restart policy for ${by}: ${error.value} (want no, on-failure[:N] or always[:N])`;
  if (error.setting === 'graceMs' || error.setting === 'killAfterMs' || error.setting === 'timeoutMs') {
    return `duration too long for ${by}: ${said[error.setting]?.value} (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  }
  if (error.setting === 'delays' && typeof error.value === 'number') return `duration too long for ${by}: ${error.value} ms (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  return `bad signal for ${by}: ${error.value}${why}`; // -p, -r, or --delay's signal
}
