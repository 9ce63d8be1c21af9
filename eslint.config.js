// `npm run lint`: typescript-eslint's type-aware checks for the bugs the compiler lets through (a promise nobody
// awaits, a switch that forgets a case), and the import boundaries of README's architecture map as rules, so a
// dependency that crosses one fails CI instead of waiting for a review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A package only the named folder may import, and why. */
const onlyIn = (names, where) =>
  names.map((name) => ({ name, message: `only ${where} imports ${name} (README, "Architecture")` }));
const transport = onlyIn(['ws', 'express'], 'companion/src/server/');
const runtime = onlyIn(['onnxruntime-node'], 'companion/src/runtime/');
const restrict = (...paths) => ({ 'no-restricted-imports': ['error', { paths: paths.flat() }] });

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'plugin/dist/**',
      'models/**',
      'test-artifacts/**',
      '.cache/**',
      '.scratch/**',
      'companion/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // The boundaries. The transport (ws, express) belongs to the daemon's server; onnxruntime-node to the runtime.
  {
    files: ['companion/src/**/*.ts'],
    ignores: ['companion/src/server/**', 'companion/src/runtime/**', 'companion/src/bench/**'],
    rules: restrict(transport, runtime),
  },
  {
    files: ['companion/src/server/**/*.ts', 'companion/src/bench/**/*.ts'],
    rules: restrict(runtime),
  },
  {
    files: ['companion/src/runtime/**/*.ts'],
    rules: restrict(transport),
  },
  // The panel and the dashboard talk to the daemon through one client (plugin/ui/daemon/): reconnects, pairing and the
  // protocol live there.
  {
    files: ['plugin/**/*.ts', 'companion/src/dashboard/**/*.ts'],
    ignores: ['plugin/ui/daemon/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'WebSocket', message: 'only plugin/ui/daemon/ opens a WebSocket (README, "Architecture")' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='WebSocket']", message: 'only plugin/ui/daemon/ opens a WebSocket' },
      ],
    },
  },
);
