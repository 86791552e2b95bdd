/**
 * CSV imports through the API, for the campaign's owner: an import is opened with an upload form (the file goes
 * straight to S3), and read back with its progress, its counts and, once it ends, a link to its rejects file.
 * The import itself is src/services/importRun.ts, started by the upload.
 */
import { type ImportFiles, type UploadForm, uploadKey } from '../adapters/importFiles.ts';
import type { ImportRecord, ImportStatus } from '../domain/importRecord.ts';
import { ConflictError, NotFoundError } from '../lib/errors.ts';
import type { CampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import type { ImportRepository } from '../repositories/importRepository.ts';
import { loadOwnedDefinition } from './campaignDefinitionService.ts';
import type { OwnedCampaign } from './campaignService.ts';

export interface ImportServiceDeps {
  definitions: Pick<CampaignDefinitionRepository, 'find'>;
  imports: Pick<ImportRepository, 'create' | 'find' | 'expireWaiting' | 'cancel'>;
  files: Pick<ImportFiles, 'uploadForm' | 'downloadLink'>;
  newId: () => string;
  now: () => Date;
  limits: { maxBytes: number; uploadSeconds: number; linkSeconds: number };
}

export interface ImportView {
  importId: string;
  campaignId: string;
  status: ImportStatus;
  /** How far the file has been read, 0 to 1, once its size is known. */
  progress?: number;
  rowsRead: number;
  added: number;
  refused: number;
  /** The text encoding the file was read in (detected from its first bytes): utf-8, utf-16le, windows-1252, ... */
  encoding?: string;
  /** The phone column's name, when the import was opened with one. */
  phoneColumn?: string;
  createdAt: string;
  uploadExpiresAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  /** The refused rows as CSV, with their row number and reason: a short-lived link. */
  rejects?: { url: string; expiresAt: string };
}

/** How long after its form expired an import may still get its file: an upload begun in time may take this long. */
export const UPLOAD_GRACE_SECONDS = 3600;
const NO_FILE = 'No file arrived before the upload form expired: open a new import';

export function createImportService({ definitions, imports, files, newId, now, limits }: ImportServiceDeps) {
  async function view(record: ImportRecord): Promise<ImportView> {
    const progress =
      record.sizeBytes && record.status !== 'waiting'
        ? record.status === 'done'
          ? 1
          : Math.min(1, record.nextByte / record.sizeBytes)
        : undefined;
    const rejects = record.rejectsKey
      ? {
          url: await files.downloadLink(record.rejectsKey, {
            seconds: limits.linkSeconds,
            fileName: `rejects-${record.id}.csv`,
          }),
          expiresAt: new Date(now().getTime() + limits.linkSeconds * 1000).toISOString(),
        }
      : undefined;
    return {
      importId: record.id,
      campaignId: record.campaignId,
      status: record.status,
      ...(progress === undefined ? {} : { progress: Math.round(progress * 1000) / 1000 }),
      rowsRead: record.rowsRead,
      added: record.added,
      refused: record.refused,
      ...(record.encoding ? { encoding: record.encoding } : {}),
      ...(record.phoneColumn ? { phoneColumn: record.phoneColumn } : {}),
      createdAt: record.createdAt.toISOString(),
      uploadExpiresAt: record.uploadExpiresAt.toISOString(),
      ...(record.startedAt ? { startedAt: record.startedAt.toISOString() } : {}),
      ...(record.finishedAt ? { finishedAt: record.finishedAt.toISOString() } : {}),
      ...(record.error ? { error: record.error } : {}),
      ...(rejects ? { rejects } : {}),
    };
  }

  return {
    /** Opens an import of a draft campaign: its id and the form to upload the file with. */
    async open(
      campaign: OwnedCampaign,
      request: { phoneColumn?: string } = {},
    ): Promise<ImportView & { upload: UploadForm }> {
      const found = await loadOwnedDefinition(definitions, campaign);
      if (found.status !== 'draft') {
        throw new ConflictError(
          `Contacts can be imported while the campaign is a draft only; it is ${found.status}`,
        );
      }
      const importId = newId();
      const at = now();
      const upload = await files.uploadForm(uploadKey(campaign.campaignId, importId), {
        maxBytes: limits.maxBytes,
        seconds: limits.uploadSeconds,
        now: at,
      });
      const record = await imports.create({
        id: importId,
        campaignId: campaign.campaignId,
        objectKey: uploadKey(campaign.campaignId, importId),
        uploadExpiresAt: new Date(upload.expiresAt),
        ...(request.phoneColumn === undefined ? {} : { phoneColumn: request.phoneColumn }),
      });
      return { ...(await view(record)), upload };
    },

    async get(campaign: OwnedCampaign, importId: string): Promise<ImportView> {
      await loadOwnedDefinition(definitions, campaign);
      let record = await imports.find(campaign.campaignId, importId);
      if (record === undefined) throw new NotFoundError('Import not found');
      if (
        record.status === 'waiting' &&
        (await imports.expireWaiting(importId, UPLOAD_GRACE_SECONDS, NO_FILE))
      ) {
        record = (await imports.find(campaign.campaignId, importId)) ?? record;
      }
      return view(record);
    },

    /** Cancels an import waiting for its file or importing; the contacts it added stay. */
    async cancel(campaign: OwnedCampaign, importId: string): Promise<ImportView> {
      await loadOwnedDefinition(definitions, campaign);
      const cancelled = await imports.cancel(campaign.campaignId, importId);
      if (cancelled) return view(cancelled);
      const record = await imports.find(campaign.campaignId, importId);
      if (record === undefined) throw new NotFoundError('Import not found');
      throw new ConflictError(
        `The import is ${record.status}: only a waiting or running import can be cancelled`,
      );
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
