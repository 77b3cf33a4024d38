// Mocha's spec reporter plus one closing line "N passed, N failed" that CI and people can read at a glance.
/* eslint-disable @typescript-eslint/no-require-imports -- mocha loads reporters with require() */
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = this.stats;
      process.stdout.write(`\n${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
    });
  }
}

module.exports = SummaryReporter;
