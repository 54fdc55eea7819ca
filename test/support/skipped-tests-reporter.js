/**
 * Prints every skipped test with its full name after a run. Suites that
 * need a server skip themselves with the reason in their name, so a run
 * without PostgreSQL or EventStoreDB says so plainly, never silently.
 */
class SkippedTestsReporter {
  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') skipped.push(test.fullName);
      }
    }
    if (skipped.length === 0) return;
    process.stderr.write(`\n${skipped.length} skipped:\n${skipped.map((name) => `  SKIPPED ${name}`).join('\n')}\n`);
  }
}

module.exports = SkippedTestsReporter;
