/**
 * The model bucket: each trained answer model an immutable JSON object (`models/<owner>/<version>.json`, never
 * overwritten), and per owner a small pointer to the version promoted (`models/<owner>/promoted.json`). A reader
 * keeps the model it loaded for the life of its function instance and reads the model again only when the pointer
 * names a new version. Owners are named by their id only.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AnswerModel } from '../domain/answerModel.ts';

const safe = (id: string) => encodeURIComponent(id);
export const modelKey = (userId: string, version: string) => `models/${safe(userId)}/${safe(version)}.json`;
export const promotedKey = (userId: string) => `models/${safe(userId)}/promoted.json`;

/** What the pointer holds: the version in use and when and why it was promoted. */
export interface Promotion {
  version: string;
  promotedAt: string;
  reason: string;
}

export interface ModelStore {
  /** Stores a trained model under its version; a version already stored is never replaced. */
  save(userId: string, model: AnswerModel): Promise<void>;
  /** Points the owner's schedules at `version` (stored before). */
  promote(userId: string, promotion: Promotion): Promise<void>;
  promotion(userId: string): Promise<Promotion | undefined>;
  model(userId: string, version: string): Promise<AnswerModel | undefined>;
  /**
   * The owner's promoted model, read from the bucket only when the pointer names a version this instance has not
   * loaded (`loaded` says whether it was read now); undefined when the owner has none.
   */
  promoted(userId: string): Promise<{ model: AnswerModel; loaded: boolean } | undefined>;
}

export function createModelStore({ s3, bucket }: { s3: S3Client; bucket: string }): ModelStore {
  const cache = new Map<string, AnswerModel>();

  async function readJson<T>(key: string): Promise<T | undefined> {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return JSON.parse((await object.Body?.transformToString()) ?? 'null') as T;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
  const writeJson = (key: string, value: unknown, extra: { IfNoneMatch?: string } = {}) =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        ...extra,
      }),
    );

  const store: ModelStore = {
    async save(userId, model) {
      // Immutable: a write of a version already there fails at S3 (412) rather than replace it.
      await writeJson(modelKey(userId, model.version), model, { IfNoneMatch: '*' });
    },
    async promote(userId, promotion) {
      await writeJson(promotedKey(userId), promotion);
    },
    promotion: (userId) => readJson<Promotion>(promotedKey(userId)),
    model: (userId, version) => readJson<AnswerModel>(modelKey(userId, version)),
    async promoted(userId) {
      const pointer = await store.promotion(userId);
      if (pointer === undefined) return undefined;
      const cached = cache.get(userId);
      if (cached?.version === pointer.version) return { model: cached, loaded: false };
      const model = await store.model(userId, pointer.version);
      if (model === undefined) return undefined;
      cache.set(userId, model);
      return { model, loaded: true };
    },
  };
  return store;
}
