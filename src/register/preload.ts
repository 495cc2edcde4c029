import { EnvironmentError, fromEnvironment } from '../config/environment';
import { createLog, DEFAULT_VERBOSITY } from '../platform/log';
import { register } from './register';

// `node -r tsinit-pid1/register app.js` (or NODE_OPTIONS=--require=tsinit-pid1/register): the
// app becomes its own PID 1 before its first line. Verbosity from TSINIT_VERBOSITY, as the CLI's.
try {
  register({ verbosity: verbosityFromEnvironment() });
} catch (error) {
  createLog(DEFAULT_VERBOSITY)('error', 'register-failed', (error as Error).message);
  process.exit(error instanceof EnvironmentError ? 2 : 1);
}

// A bad TSINIT_VERBOSITY stops the app that is PID 1, before it runs; in every other Node process
// that NODE_OPTIONS loads this into there is nothing to do: a warning, and the app runs.
function verbosityFromEnvironment(): number {
  try {
    return fromEnvironment.verbosity(process.env) ?? DEFAULT_VERBOSITY;
  } catch (error) {
    if (process.pid === 1 || !(error instanceof EnvironmentError)) throw error;
    createLog(DEFAULT_VERBOSITY)('warn', 'register', `${error.message}: ignored, not PID 1`);
    return DEFAULT_VERBOSITY;
  }
}
