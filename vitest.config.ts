import { defineConfig } from 'vitest/config';

// Two tiers, both in `npm test`:
// - unit: the tests next to their code (and the plugin's host adapters against their fakes), seconds each;
//   `npm run test:fast` runs only these, in well under two minutes on 2 cores.
// - e2e: whole paths through the engine, the CLI, the daemon, the browser and the GPU provider (tests/). A test that
//   takes longer than the tier's timeout says so itself ({ timeout } on the test), so a slow test is a visible choice.
// No bundled models (models/demo) unless a test asks for them: the "no model at all" paths stay testable, and a
// suite that needs the demo model names it (companion/src/models/bundled-models.ts).
const shared = { pool: 'forks', env: { IMAGIC_BUNDLED_MODELS: '' } } as const;

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: [
            'shared/**/*.test.ts',
            'companion/src/**/*.test.ts',
            'plugin/**/*.test.ts',
            'tests/plugin/**/*.test.ts',
          ],
          testTimeout: 15_000,
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/plugin/**'],
          testTimeout: 15_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
