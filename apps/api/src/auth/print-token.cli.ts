import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadOrCreateSigningSecret, TOKEN_ROLES, TokenRole, issueToken } from '@desk/application';

/** `npm run token -- --sub <id> --role <role> [--expires-in 8h]`: prints a bearer token for this desk's secret. */
function main(): number {
  let values: { sub?: string; role?: string; 'expires-in'?: string };
  try {
    ({ values } = parseArgs({
      options: { sub: { type: 'string' }, role: { type: 'string' }, 'expires-in': { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nusage: npm run token -- --sub <id> --role <${TOKEN_ROLES.join('|')}> [--expires-in 8h]\n`,
    );
    return 2;
  }
  if (!values.sub) {
    process.stderr.write("--sub <id> is required (a requester's subject is their customer id)\n");
    return 2;
  }
  if (!values.role || !(TOKEN_ROLES as readonly string[]).includes(values.role)) {
    process.stderr.write(`--role must be one of ${TOKEN_ROLES.join(', ')}\n`);
    return 2;
  }
  const expiresIn = values['expires-in'] ?? '8h';
  if (!/^\d+[smhdwy]?$/.test(expiresIn)) {
    process.stderr.write(`--expires-in must look like 3600, 30m, 8h or 7d, got '${expiresIn}'\n`);
    return 2;
  }
  try {
    const config = loadConfig();
    if (config.authPublicKey) {
      process.stderr.write('this desk verifies tokens with AUTH_PUBLIC_KEY: they are issued by your identity provider, not here\n');
      return 2;
    }
    const secret = loadOrCreateSigningSecret(config);
    const claims = { audience: config.authAudience, issuer: config.authIssuer };
    process.stdout.write(issueToken(secret, values.sub, values.role as TokenRole, expiresIn as never, claims) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = main();
