/** An in-memory ModelStore: versions kept as saved (never replaced), one promoted per owner, reads counted. */
import type { ModelStore, Promotion } from '../../src/adapters/modelStore.ts';
import type { AnswerModel } from '../../src/domain/answerModel.ts';

export interface FakeModelStore extends ModelStore {
  readonly saved: Map<string, AnswerModel>;
  readonly promotions: Map<string, Promotion>;
  /** Model reads from "the bucket" (not from the instance's cache). */
  reads: number;
  /** While true, every read fails as S3 would when it cannot be reached. */
  down: boolean;
}

export function fakeModelStore(): FakeModelStore {
  const loaded = new Map<string, AnswerModel>();
  const fake: FakeModelStore = {
    saved: new Map(),
    promotions: new Map(),
    reads: 0,
    down: false,
    async save(userId, model) {
      const key = `${userId}/${model.version}`;
      if (fake.saved.has(key)) throw new Error(`${key} is stored already`);
      fake.saved.set(key, model);
    },
    async promote(userId, promotion) {
      fake.promotions.set(userId, promotion);
    },
    async promotion(userId) {
      if (fake.down) throw new Error('S3 is unreachable');
      return fake.promotions.get(userId);
    },
    async model(userId, version) {
      if (fake.down) throw new Error('S3 is unreachable');
      fake.reads += 1;
      return fake.saved.get(`${userId}/${version}`);
    },
    async promoted(userId) {
      const pointer = await fake.promotion(userId);
      if (pointer === undefined) return undefined;
      const cached = loaded.get(userId);
      if (cached?.version === pointer.version) return { model: cached, loaded: false };
      const model = await fake.model(userId, pointer.version);
      if (model === undefined) return undefined;
      loaded.set(userId, model);
      return { model, loaded: true };
    },
  };
  return fake;
}
