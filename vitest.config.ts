import { defineConfig } from 'vitest/config';

// Tests never fail because a machine is slow: generous time limits everywhere (the
// 2-core machines run builds and benchmarks next to the suite). A test that hangs
// still fails, after two minutes.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
