/**
 * The database of a function instance: from DATABASE_URL, or from a Secrets Manager secret read once, on first use
 * (production). Call once, at module load. A rotated password reaches new instances; running ones keep their open
 * connections, and re-read the secret if opening the pool failed.
 */
import { databaseConfig } from './config.ts';
import { connectionFromSecret, createDatabase, type Database } from './db.ts';
import { captureClient } from './tracing.ts';

export function openDatabase(): Database {
  const config = databaseConfig();
  const { secretArn } = config;
  if (secretArn === undefined) return createDatabase(config);
  return createDatabase(
    config,
    connectionFromSecret(async () => {
      // Loaded only where a secret is configured: local runs and tests never pay for the client.
      const [{ SecretsProvider }, { SecretsManagerClient }] = await Promise.all([
        import('@aws-lambda-powertools/parameters/secrets'),
        import('@aws-sdk/client-secrets-manager'),
      ]);
      const provider = new SecretsProvider({ awsSdkV3Client: captureClient(new SecretsManagerClient({})) });
      return provider.get(secretArn, { transform: 'json' });
    }),
  );
}
