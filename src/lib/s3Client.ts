/**
 * The S3 clients, created once per function instance: one traced, for the requests a function makes; one plain,
 * for signing upload forms and links (signing sends nothing, so there is nothing to trace). Endpoint and region come
 * from the SDK's own settings; the local S3 emulator wants path-style URLs.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { captureClient } from './tracing.ts';

export function s3Clients(options: { pathStyle: boolean }): { s3: S3Client; signer: S3Client } {
  const config = { forcePathStyle: options.pathStyle };
  return { s3: captureClient(new S3Client(config)), signer: new S3Client(config) };
}
