import { MAX_TIMER_MS } from '../config/durations';
import type { Said } from '../config/environment';
import { LISTEN_GRAMMAR, ListenError, MAX_LISTEN_NAME, MAX_UNIX_PATH } from '../config/listen';
import type { GivenSettings, SettingError } from '../config/settings';
import { MAX_WORKERS } from '../config/workers';

/** What the user wrote for each setting, and where (a flag or a variable). */
export type SaidSettings = Partial<Record<keyof GivenSettings, Said<unknown>>>;

/** A setting the check refused, in the command line's words: who gave it, the value as typed, what would do. */
export function refusalMessage(error: SettingError, said: SaidSettings): string {
  const by = said[error.setting]?.by ?? error.setting;
  const why = error.why === undefined ? '' : ` (${error.why})`;
  if (error.setting === 'successCodes') return `bad exit code for ${by}: ${error.value} (want 0-255)`;
  if (error.setting === 'workers') return `bad worker count for ${by}: ${said.workers?.value ?? error.value} (want 1-${MAX_WORKERS} or auto)`;
  if (error instanceof ListenError) return listenRefusal(error, by);
  if (error.setting === 'restart') return `bad restart policy for ${by}: ${error.value} (want no, on-failure[:N] or always[:N])`;
  if (error.setting === 'graceMs' || error.setting === 'killAfterMs' || error.setting === 'timeoutMs') {
    return `duration too long for ${by}: ${said[error.setting]?.value} (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  }
  if (error.setting === 'delays' && typeof error.value === 'number') return `duration too long for ${by}: ${error.value} ms (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  return `bad signal for ${by}: ${error.value}${why}`; // -p, -r, or --delay's signal
}

// One line per kind of bad --listen word, with the part at fault as typed.
function listenRefusal(error: ListenError, by: string): string {
  const value = String(error.value);
  switch (error.problem) {
    case 'address':
      return `bad address for ${by}: ${value} (want ${LISTEN_GRAMMAR})`;
    case 'port':
      return `bad port for ${by}: ${value} (want 1-65535)`;
    case 'name':
      return `bad name for ${by}: ${value} (want letters, digits, '_', '.' and '-', at most ${MAX_LISTEN_NAME})`;
    case 'path':
      return `unix socket path too long for ${by}: ${value} (at most ${MAX_UNIX_PATH} bytes once absolute)`;
    case 'twice':
      return `same address twice for ${by}: ${value} (given before as ${error.earlier})`;
  }
}
