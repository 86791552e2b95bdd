/**
 * Secrets Manager reads, through Powertools' SecretsProvider with a traced client. The client is loaded on first
 * use only: local runs and tests configure no secret and never load it.
 */
import { captureClient } from './tracing.ts';

type Provider = { get(name: string, options: { transform: 'json' }): Promise<unknown> };
let provider: Promise<Provider> | undefined;

/** The secret's value, parsed as JSON (the RDS format, or a secret of named fields). */
export async function readJsonSecret(secretArn: string): Promise<unknown> {
  provider ??= Promise.all([
    import('@aws-lambda-powertools/parameters/secrets'),
    import('@aws-sdk/client-secrets-manager'),
  ]).then(
    ([{ SecretsProvider }, { SecretsManagerClient }]) =>
      new SecretsProvider({ awsSdkV3Client: captureClient(new SecretsManagerClient({})) }),
  );
  return (await provider).get(secretArn, { transform: 'json' });
}
