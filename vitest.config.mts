import { defineConfig } from 'vitest/config';

// Tests start real PID namespaces and wait on the kernel: give them room, never a timed assertion.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
});
