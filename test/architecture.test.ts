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

  it('should build no SQL from values: every ${…} inside a raw SQL template is a known constant', function () {
    // MySQL connections accept statement batches (multipleStatements), so SQL glued from a value would be an
    // injection; values must travel as bindings. The interpolations below are constants or checked names.
    const allowed = new Set([
      'engine/adapters/knex/connect.ts: name', // matched against /^[A-Za-z0-9_]+$/ first
      'engine/adapters/knex/instance-load.ts: TASK_INSTANCE_VARIABLE',
      'processes/treasury-payment/reservation-sweep.ts: net', // a constant SQL expression
    ]);
    const sites = ['engine', 'server', 'processes', 'migrations'].flatMap((dir) =>
      tsFiles(join(ROOT, dir)).flatMap((file) => {
        const source = readFileSync(file, 'utf8');
        return [...source.matchAll(/(?:raw|Raw)\(\s*`((?:\\.|[^`\\])*)`/g)].flatMap((m) =>
          [...m[1]!.matchAll(/\$\{([^}]*)\}/g)].map((i) => `${relative(ROOT, file)}: ${i[1]!.trim()}`),
        );
      }),
    );
    assert.deepEqual(
      sites.filter((site) => !allowed.has(site)),
      [],
    );
    // the scanner finds the sites it allows (it would find a new one too)
    assert.deepEqual(new Set(sites), allowed);
  });
});
