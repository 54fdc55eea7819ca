import { readFileSync } from 'node:fs';
import { CLIENT_TYPES, clientTypes } from './client';
import { servedDocument } from './served-document';

describe('the typed client (clients/typescript/desk-api.d.ts)', () => {
  it('is what openapi-typescript generates from the served document: run `npm run client:generate` after changing the contract', async () => {
    const generated = clientTypes(await servedDocument());
    const committed = readFileSync(CLIENT_TYPES, 'utf8');
    if (committed !== generated) {
      const committedLines = committed.split('\n');
      const generatedLines = generated.split('\n');
      const at = generatedLines.findIndex((line, index) => line !== committedLines[index]);
      throw new Error(
        `clients/typescript/desk-api.d.ts is not what the document generates (npm run client:generate); first difference at line ${at + 1}:\n` +
          `  committed: ${committedLines[at] ?? '(end of file)'}\n  generated: ${generatedLines[at] ?? '(end of file)'}`,
      );
    }
  }, 60_000);
});
