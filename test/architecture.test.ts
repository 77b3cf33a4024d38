import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FORBIDDEN_IN_CORE = [
  /^koa$/,
  /^@koa\//,
  /^knex$/,
  /^bull$/,
  /^bullmq$/,
  /^ioredis$/,
  /^mysql2/,
  /^better-sqlite3$/,
  /^pino$/,
  /^(node:)?(fs|net|http|child_process)(\/|$)/,
  /adapters\//,
  /server\//,
  /web\//,
];
const FORBIDDEN_IN_ENGINE = [/^koa$/, /^@koa\//, /server\//, /web\//];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [
    ...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g),
    ...source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
}

describe('architecture', function () {
  it('should keep engine/core free of I/O, frameworks and adapters', function () {
    const violations = tsFiles(join(ROOT, 'engine/core')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => FORBIDDEN_IN_CORE.some((re) => re.test(spec)))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    assert.deepEqual(violations, []);
  });

  it('should keep the whole engine free of koa, server and web code', function () {
    const violations = tsFiles(join(ROOT, 'engine')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => FORBIDDEN_IN_ENGINE.some((re) => re.test(spec)))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    assert.deepEqual(violations, []);
  });

  it('should find the imports it checks (the scanner itself works)', function () {
    assert.ok(
      importsOf(join(ROOT, 'engine/adapters/knex/knex-process-store.ts')).includes('../../core/errors.js'),
    );
  });
});
