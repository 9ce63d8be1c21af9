import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'companion/**/*.test.ts', 'plugin/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // No bundled models (models/demo) unless a test asks for them: the "no model at all" paths stay testable, and a
    // suite that needs the demo model names it (companion/src/models/bundled-models.ts).
    env: { IMAGIC_BUNDLED_MODELS: '' },
    reporters: ['default'],
  },
});
