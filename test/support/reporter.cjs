// mocha's spec reporter plus the summary line CI reads: `tests: N passed, N failed`.
const Mocha = require('mocha');

class ParReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const s = this.stats;
      if (s.pending) console.log(`skipped: ${s.pending}`);
      console.log(`tests: ${s.passes} passed, ${s.failures} failed`);
    });
  }
}

module.exports = ParReporter;
