/**
 * Structured JSON logs (Powertools Logger): one line per event, with the X-Ray trace id on every line in Lambda.
 * Never pass a raw phone number: log its `phoneHash` instead.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { runtimeConfig } from './config.ts';

export function createLogger(functionName: string): Logger {
  const { service, stage } = runtimeConfig();
  return new Logger({ serviceName: service, persistentKeys: { function: functionName, environment: stage } });
}
