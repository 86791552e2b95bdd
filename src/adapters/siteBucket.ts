/**
 * The dashboard's bucket (config/dashboard.cjs): its files written for the distribution to serve, listed, removed.
 * Every file is sent with `Cache-Control: no-cache`: the distribution asks the bucket again (a cheap conditional
 * request) before serving a copy, so a deploy's page is the one served at once, without an invalidation.
 */
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface SiteFile {
  key: string;
  body: Uint8Array | string;
  contentType: string;
}

export interface SiteBucket {
  put(file: SiteFile): Promise<void>;
  keys(): Promise<string[]>;
  remove(keys: readonly string[]): Promise<void>;
}

export function siteBucket(s3: S3Client, bucket: string): SiteBucket {
  return {
    async put({ key, body, contentType }) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          CacheControl: 'no-cache',
        }),
      );
    },
    async keys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    async remove(keys) {
      // DeleteObjects takes 1,000 keys at most.
      for (let i = 0; i < keys.length; i += 1000)
        await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
    },
  };
}
