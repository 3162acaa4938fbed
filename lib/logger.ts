import { Logger } from '@aws-lambda-powertools/logger';

const LOG_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']);

// The logger exists before the configuration is validated, so that a bad configuration can itself be
// logged: an unknown LOG_LEVEL falls back to INFO here and is reported by getConfig().
function logLevelFromEnvironment(): 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT' {
  const level = (process.env.LOG_LEVEL ?? 'INFO').toUpperCase();
  return (LOG_LEVELS.has(level) ? level : 'INFO') as 'INFO';
}

/** JSON lines with level, message, timestamp, service, function name and request ids. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'attendance-accounts',
  logLevel: logLevelFromEnvironment(),
});

/** Returns the fields of an error that are safe to log: never the stack, which can carry request data. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error_type: typeof error };
  const description: Record<string, unknown> = { error_name: error.name, error_message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') description.error_code = code;
  if (error.cause instanceof Error) description.cause = describeError(error.cause);
  return description;
}
