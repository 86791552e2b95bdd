/**
 * The import bucket: upload forms for CSV files (presigned POST with a size limit: the client sends the file straight
 * to S3, never through the API), reading an uploaded file from a byte on, writing a rejects file as it is produced
 * (multipart, never whole in memory), and short-lived links to download it.
 *
 * The upload form's signer, the multipart writer and the link presigner are each needed by one route or only when an
 * import has rejects, so they load on first use (`import()`): the functions that import this module (the two import
 * routes, the import worker) do not pay for all three at cold start.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';

export interface UploadForm {
  /** POST the file here as multipart/form-data: these fields first, then the file as the field `file`. */
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

/** Where an import's file is uploaded and its rejects written: named by ids only, never by content. */
export const uploadKey = (campaignId: string, importId: string) => `uploads/${campaignId}/${importId}.csv`;
export const rejectsKey = (campaignId: string, importId: string) => `rejects/${campaignId}/${importId}.csv`;
/** The key S3 names in its event notice: URL-encoded, spaces as "+". */
export const noticedKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/** The object is no longer the version an import started reading. */
export class FileChangedError extends Error {
  constructor() {
    super('The uploaded file changed');
    this.name = 'FileChangedError';
  }
}

export interface StoredFile {
  etag: string;
  size: number;
}

export interface ImportFiles {
  uploadForm(key: string, options: { maxBytes: number; seconds: number; now: Date }): Promise<UploadForm>;
  /** The object's version and size; undefined when there is none. */
  stat(key: string): Promise<StoredFile | undefined>;
  /**
   * The object from byte `from` (to `to`, inclusive, when given), only while its ETag is still `etag`; else a
   * FileChangedError.
   */
  read(key: string, options: { etag: string; from: number; to?: number }): Promise<Readable>;
  write(key: string, body: Readable, contentType: string): Promise<void>;
  downloadLink(key: string, options: { seconds: number; fileName: string }): Promise<string>;
}

export function createImportFiles({
  s3,
  signer,
  bucket,
}: {
  s3: S3Client;
  signer: S3Client;
  bucket: string;
}): ImportFiles {
  return {
    async uploadForm(key, { maxBytes, seconds, now }) {
      const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
      const { url, fields } = await createPresignedPost(signer, {
        Bucket: bucket,
        Key: key,
        // S3 refuses a file outside this range, after reading its size: nobody can upload a 10 GB file. An empty
        // file is taken: its import then fails with a message that says so (S3's refusal would say "EntityTooSmall").
        Conditions: [['content-length-range', 0, maxBytes]],
        Expires: seconds,
      });
      return { url, fields, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(), maxBytes };
    },

    async stat(key) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { etag: head.ETag ?? '', size: head.ContentLength ?? 0 };
      } catch (error) {
        if (error instanceof NotFound) return undefined;
        throw error;
      }
    },

    async read(key, { etag, from, to }) {
      const range = `bytes=${from}-${to ?? ''}`;
      try {
        const object = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag, Range: range }),
        );
        const body = object.Body as Readable;
        // S3 checks IfMatch itself; the answer's ETag is checked too, for stores that do not (the local emulator).
        if (object.ETag !== undefined && object.ETag !== etag) {
          body.destroy();
          throw new FileChangedError();
        }
        return body;
      } catch (error) {
        if ((error as { name?: string }).name === 'PreconditionFailed') throw new FileChangedError();
        throw error;
      }
    },

    async write(key, body, contentType) {
      const { Upload } = await import('@aws-sdk/lib-storage');
      await new Upload({
        client: s3,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      }).done();
    },

    async downloadLink(key, { seconds, fileName }) {
      const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
      return getSignedUrl(
        signer,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: `attachment; filename="${fileName}"`,
        }),
        { expiresIn: seconds },
      );
    },
  };
}
