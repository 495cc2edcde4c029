import { EnvironmentError, fromEnvironment } from '../config/environment';
import { createLog, DEFAULT_VERBOSITY } from '../platform/log';
import { register } from './register';

// `node -r tsinit-pid1/register app.js` (or NODE_OPTIONS=--require=tsinit-pid1/register): the
// app becomes its own PID 1 before its first line. Verbosity from TSINIT_VERBOSITY, as the CLI's.
try {
  register({ verbosity: fromEnvironment.verbosity(process.env) ?? DEFAULT_VERBOSITY });
} catch (error) {
  createLog(DEFAULT_VERBOSITY)('error', 'register-failed', (error as Error).message);
  process.exit(error instanceof EnvironmentError ? 2 : 1);
}
