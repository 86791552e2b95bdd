/** An in-memory CallResultRepository: attempts by dialId, the first result recorded wins, as the database's. */
import { dialIdOf } from '../../src/lib/dialId.ts';
import type {
  CallResultRepository,
  RecordedResult,
  ResultTarget,
} from '../../src/repositories/callResultRepository.ts';

export interface FakeCallResults extends CallResultRepository {
  /** The attempts the repository knows, by dialId. */
  readonly targets: Map<string, ResultTarget>;
  /** The results recorded, by dialId. */
  readonly recorded: Map<string, RecordedResult>;
}

export function fakeCallResultRepository(targets: Record<string, ResultTarget> = {}): FakeCallResults {
  const known = new Map(Object.entries(targets));
  const recorded = new Map<string, RecordedResult>();
  return {
    targets: known,
    recorded,
    async target(key) {
      const target = known.get(dialIdOf(key));
      const result = recorded.get(dialIdOf(key));
      return target && (result ? { ...target, outcome: result.outcome } : target);
    },
    async record(key, result) {
      const dialId = dialIdOf(key);
      if (!known.has(dialId) || recorded.has(dialId) || known.get(dialId)?.outcome) return false;
      recorded.set(dialId, result);
      return true;
    },
  };
}
