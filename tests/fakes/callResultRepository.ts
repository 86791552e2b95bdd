/** An in-memory CallResultRepository: attempts by dialId, the first result recorded wins, as the database's. */
import { dialIdOf } from '../../src/lib/dialId.ts';
import type {
  CallResultRepository,
  RecordedResult,
  ResultTarget,
} from '../../src/repositories/callResultRepository.ts';

export interface FakeCallResults extends CallResultRepository {
  /** The results recorded, by dialId, with when. */
  readonly recorded: Map<string, RecordedResult & { at: Date }>;
  /** Statements the database would have run (one per call). */
  readonly calls: string[];
}

export function fakeCallResultRepository(targets: Record<string, ResultTarget> = {}): FakeCallResults {
  const known = new Map(Object.entries(targets));
  const recorded = new Map<string, RecordedResult & { at: Date }>();
  const calls: string[] = [];
  return {
    recorded,
    calls,
    async targets(keys) {
      calls.push('targets');
      const found = new Map<string, ResultTarget>();
      for (const key of keys) {
        const target = known.get(dialIdOf(key));
        const result = recorded.get(dialIdOf(key));
        if (target) found.set(dialIdOf(key), result ? { ...target, outcome: result.outcome } : target);
      }
      return found;
    },
    async record(results, at) {
      calls.push('record');
      const written = new Set<string>();
      for (const { key, result } of results) {
        const dialId = dialIdOf(key);
        if (!known.has(dialId) || recorded.has(dialId) || known.get(dialId)?.outcome) continue;
        recorded.set(dialId, { ...result, at });
        written.add(dialId);
      }
      return written;
    },
  };
}
