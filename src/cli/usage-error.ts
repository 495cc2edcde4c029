/** Bad command line or environment: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {}

/** Exit code for a bad command line (as GNU tools; CMD's codes pass through unchanged). */
export const USAGE_EXIT_CODE = 2;
