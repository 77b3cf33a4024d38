import assert from 'node:assert/strict';
import { main } from '../../../server/cli/main.js';

/** Runs the CLI in-process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(args), out };
  } finally {
    process.stdout.write = write;
  }
}

describe('cli: --help on each command', () => {
  for (const [command, expected] of [
    ['start', /^fiscal-bpm start\n[\s\S]*serves the HTTP API/],
    ['worker', /^fiscal-bpm worker\n[\s\S]*engine workers only/],
    ['migrate', /^fiscal-bpm migrate\n/],
    ['validate', /^fiscal-bpm validate <file\.bpmn>…/],
    ['deploy', /^fiscal-bpm deploy \[--dry-run\][\s\S]*deploys nothing/],
    ['audit', /^fiscal-bpm audit verify/],
    ['seed', /^fiscal-bpm seed \[--demo\]/],
    ['user', /^fiscal-bpm user create <id>/],
  ] as const) {
    it(`${command} --help explains ${command} and exits 0`, async () => {
      const { code, out } = await run([command, '--help']);
      assert.equal(code, 0);
      assert.match(out, expected);
    });
  }

  it('should print the command list without a command, exiting 2', async () => {
    const { code, out } = await run([]);
    assert.equal(code, 2);
    assert.match(out, /Commands:/);
  });
});
