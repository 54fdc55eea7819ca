/**
 * npm run client:generate: writes clients/typescript/desk-api.d.ts from the document the API serves.
 * npm run openapi:lint: lints the served document with redocly (redocly.yaml), as the contract spec does.
 */
import { writeFileSync } from 'node:fs';
import { CLIENT_TYPES, clientTypes, lint } from './client';
import { servedDocument } from './served-document';

async function main(): Promise<void> {
  const document = await servedDocument();
  if (process.argv.includes('--lint')) {
    const { status, report } = lint(document);
    process.stdout.write(report);
    process.exit(status);
  }
  writeFileSync(CLIENT_TYPES, clientTypes(document));
  process.stdout.write(`wrote ${CLIENT_TYPES}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
