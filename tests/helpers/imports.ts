/**
 * CSV imports driven as a client drives them: a draft campaign, an import opened through the API, its upload form
 * POSTed to the local S3 (through the front that checks the form's policy), the upload notice delivered to
 * importWorker, the status read back.
 */
import { expect } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { apiEvent } from './apiGateway.ts';
import type { SystemHarness } from './systemHarness.ts';

export interface Upload {
  url: string;
  fields: Record<string, string>;
  maxBytes?: number;
}

export const CAMPAIGN_SETTINGS = {
  callerId: '+12025550100',
  callFlow: 'flows/reminder-v1',
  defaultRegion: 'US',
  defaultTimeZone: 'America/New_York',
};

/** POSTs a file with its upload form, as a browser or the CLI does. */
export async function upload(form: Upload, content: string | Buffer): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', new Blob([content], { type: 'text/csv' }), 'contacts.csv');
  return fetch(form.url, { method: 'POST', body });
}

export function importClient(harness: SystemHarness, owner: string) {
  const draftCampaign = async (name: string): Promise<string> => {
    const created = await harness.http(
      'createCampaign',
      apiEvent({
        method: 'POST',
        resource: '/campaigns',
        userId: owner,
        body: { name, ...CAMPAIGN_SETTINGS },
      }),
    );
    expect(created.statusCode).toBe(201);
    return String(created.body.campaignId);
  };

  const openImport = (campaignId: string, userId = owner, body?: Record<string, unknown>) =>
    harness.http(
      'createImport',
      apiEvent({
        method: 'POST',
        resource: '/campaigns/{campaignId}/imports',
        pathParameters: { campaignId },
        userId,
        ...(body === undefined ? {} : { body }),
      }),
    );

  const importStatus = (campaignId: string, importId: string, userId = owner) =>
    harness.http(
      'getImport',
      apiEvent({
        method: 'GET',
        resource: '/campaigns/{campaignId}/imports/{importId}',
        pathParameters: { campaignId, importId },
        userId,
      }),
    );

  /**
   * A new draft campaign with `content` imported into it, to the end (each invocation given `timeoutMs`); `request`
   * is the body the import is opened with.
   */
  const importFile = async (
    content: string | Buffer,
    timeoutMs?: number,
    request?: Record<string, unknown>,
  ) => {
    const campaignId = await draftCampaign(`import ${Math.random()}`);
    const opened = await openImport(campaignId, owner, request);
    expect(opened.statusCode).toBe(201);
    const importId = String(opened.body.importId);
    const sent = await upload(opened.body.upload as unknown as Upload, content);
    expect(sent.status).toBe(204);
    const drained = await harness.drainImports(timeoutMs);
    const status = await importStatus(campaignId, importId);
    return { campaignId, importId, drained, status: status.body, statusCode: status.statusCode };
  };

  /** The rows of an import's rejects file, read through its download link. */
  const rejectsOf = async (status: Record<string, unknown>): Promise<string[][]> => {
    const link = (status.rejects as { url: string }).url;
    const response = await fetch(link);
    expect(response.status).toBe(200);
    return parse(await response.text()) as string[][];
  };

  return { draftCampaign, openImport, importStatus, importFile, rejectsOf };
}
