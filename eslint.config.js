// Lint rules. The important one: engine/core stays pure (no I/O, no frameworks, no adapters).
import tseslint from 'typescript-eslint';

const forbiddenInCore = [
  'koa',
  '@koa/*',
  'knex',
  'bull',
  'bullmq',
  'ioredis',
  'mysql2',
  'better-sqlite3',
  'pino',
  'fs',
  'node:fs',
  'node:fs/*',
  'net',
  'node:net',
  'http',
  'node:http',
  'node:child_process',
  '**/adapters/**',
  '**/server/**',
  '**/web/**',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', 'bench/results/**', 'data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['engine/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbiddenInCore.map((group) => ({ group: [group], message: 'engine/core is pure: no I/O, frameworks or adapters' })) }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/core/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['koa', '@koa/*', '**/server/**', '**/web/**'], message: 'the engine imports no koa and no server or web code' }] }],
    },
  },
);
