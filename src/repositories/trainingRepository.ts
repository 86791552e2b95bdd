/**
 * The answer model's training data in Postgres: an owner's calls with a result, placed in a window of time, counted by
 * the features the model reads (src/domain/answerModel.ts). The local time and the region come from each attempt's
 * compliance record, as they were when the call was sent: the hour of the week in the first of the contact's zones
 * (in code-unit order, as the scheduler reads it), the most precise region the rules knew. Read as aggregates: a
 * million calls come back as a few thousand rows.
 */
import type { AnswerCounts, LastOutcome } from '../domain/answerModel.ts';
import type { Database } from '../lib/database.ts';

// The previous attempt's outcome by its key (the primary key), so the window needs none of the calls before it.
const COUNTS_SQL = `
WITH placed AS (
  SELECT ca.attempt, ca.outcome, ca.initiated_at,
    (SELECT p.outcome FROM call_attempts p
      WHERE p.campaign_id = ca.campaign_id AND p.contact_id = ca.contact_id AND p.attempt = ca.attempt - 1) AS last_outcome,
    (SELECT t.value FROM jsonb_each_text(ca.compliance -> 'localTimes') t ORDER BY t.key COLLATE "C" LIMIT 1)
      AS local_time,
    coalesce(ca.compliance -> 'regions' ->> 0, ca.compliance -> 'countries' ->> 0, '?') AS region
  FROM campaigns k
  JOIN call_attempts ca ON ca.campaign_id = k.id
  WHERE k.user_id = $1 AND ca.outcome IS NOT NULL AND ca.initiated_at >= $2 AND ca.initiated_at < $3
)
SELECT initiated_at >= $4 AS held_out,
  (array_position(ARRAY['mon','tue','wed','thu','fri','sat','sun'], substr(local_time, 18, 3)) - 1) * 24
    + substr(local_time, 12, 2)::int AS hour_of_week,
  region, least(attempt, 3) AS attempt, coalesce(last_outcome, 'none') AS last_outcome,
  count(*)::int AS calls, (count(*) FILTER (WHERE outcome = 'answered'))::int AS answered
FROM placed
WHERE local_time ~ '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} [a-z]{3}$'
GROUP BY 1, 2, 3, 4, 5`;

const FIRST_CALL_SQL = `
SELECT min(ca.initiated_at) AS first FROM campaigns k
JOIN call_attempts ca ON ca.campaign_id = k.id
WHERE k.user_id = $1 AND ca.outcome IS NOT NULL AND ca.initiated_at >= $2 AND ca.initiated_at < $3`;

const OWNERS_SQL = `
SELECT DISTINCT k.user_id FROM campaigns k
WHERE EXISTS (SELECT 1 FROM call_attempts ca
  WHERE ca.campaign_id = k.id AND ca.outcome IS NOT NULL AND ca.initiated_at >= $1 AND ca.initiated_at < $2)
ORDER BY 1`;

interface CountRow {
  held_out: boolean;
  hour_of_week: number;
  region: string;
  attempt: number;
  last_outcome: LastOutcome;
  calls: number;
  answered: number;
}

export interface TrainingRepository {
  /** The owner's calls placed in [from, to) by features: those from `heldOutFrom` on kept apart for judging. */
  answerCounts(
    userId: string,
    window: { from: Date; to: Date; heldOutFrom: Date },
  ): Promise<{ training: AnswerCounts[]; heldOut: AnswerCounts[] }>;
  /** When the owner's first call with a result in [from, to) was placed (null: none). */
  firstCallAt(userId: string, from: Date, to: Date): Promise<Date | null>;
  /** The owners with calls placed in [from, to). */
  ownersWithCalls(from: Date, to: Date): Promise<string[]>;
}

export function createTrainingRepository(db: Database): TrainingRepository {
  return {
    async answerCounts(userId, { from, to, heldOutFrom }) {
      const { rows } = await db.query<CountRow>(COUNTS_SQL, [userId, from, to, heldOutFrom]);
      const training: AnswerCounts[] = [];
      const heldOut: AnswerCounts[] = [];
      for (const row of rows) {
        const counts = {
          hourOfWeek: row.hour_of_week,
          region: row.region,
          attempt: row.attempt,
          lastOutcome: row.last_outcome,
          calls: row.calls,
          answered: row.answered,
        };
        (row.held_out ? heldOut : training).push(counts);
      }
      return { training, heldOut };
    },
    async firstCallAt(userId, from, to) {
      const { rows } = await db.query<{ first: Date | null }>(FIRST_CALL_SQL, [userId, from, to]);
      return rows[0]?.first ?? null;
    },
    async ownersWithCalls(from, to) {
      const { rows } = await db.query<{ user_id: string }>(OWNERS_SQL, [from, to]);
      return rows.map((row) => row.user_id);
    },
  };
}
