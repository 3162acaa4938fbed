import { logger } from './logger';
import { onceUntilFailure } from './once';

/**
 * Environment variables that a deployed stage fills from SSM SecureString parameters: when
 * `<NAME>_SSM_PARAMETER` contains a parameter name and `<NAME>` is unset, the value is read once per
 * container, before the configuration is parsed. Reading at run time (not at deploy time) keeps the
 * secrets out of the function's configuration and lets `serverless package` run without credentials.
 */
export const SECRET_VARIABLES = ['MONGODB_URI', 'JWT_SECRET'] as const;

/** Fills the secret variables of `process.env` from SSM on first call; later calls wait for the same load. */
export const loadSecrets = onceUntilFailure(() => readSecrets(process.env));

async function readSecrets(environment: NodeJS.ProcessEnv): Promise<void> {
  const missing = SECRET_VARIABLES.filter((name) => !environment[name] && environment[`${name}_SSM_PARAMETER`]);
  // Offline runs never reach AWS: a missing variable is reported by the configuration check instead.
  if (missing.length === 0 || environment.IS_OFFLINE === 'true') return;

  // The Lambda Node.js runtime ships the AWS SDK v3, so bundles leave it out and import it here.
  const { SSMClient, GetParametersCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  const names = missing.map((name) => environment[`${name}_SSM_PARAMETER`] as string);
  const { Parameters = [], InvalidParameters = [] } = await client.send(
    new GetParametersCommand({ Names: names, WithDecryption: true }),
  );

  if (InvalidParameters.length > 0) {
    throw new Error(`SSM parameters not found: ${InvalidParameters.join(', ')}. Create them as SecureString (see docs/DEPLOY.md).`);
  }
  for (const name of missing) {
    const parameter = Parameters.find((candidate) => candidate.Name === environment[`${name}_SSM_PARAMETER`]);
    if (parameter?.Value) environment[name] = parameter.Value;
  }
  logger.info('Read secrets from SSM', { variables: missing });
}
