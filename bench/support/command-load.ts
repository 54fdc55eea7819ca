/**
 * Request lifecycles against a running API from a process of their own, so
 * that the process measuring readers is not also the one generating commands:
 *   node -r ./test/support/register-ts.js bench/support/command-load.ts <url> <seconds> <rate> <prefix>
 * prints the load result as one JSON line.
 */
import { requestLifecycles } from '../commands-http';

const [url, seconds, rate, prefix] = process.argv.slice(2);
requestLifecycles(url, 16, Number(seconds), prefix, Number(rate)).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
