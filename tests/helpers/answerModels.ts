/** Answer models for tests: trained by the real training from counts whose truth the test knows. */
import { type AnswerCounts, type AnswerModel, trainAnswerModel } from '../../src/domain/answerModel.ts';

/** A model that learned evenings (18:00-20:59 local) answer at 60%, other hours at 15%, in each of `regions`. */
export const eveningModel = (version: string, regions: readonly string[], trainedAt: Date): AnswerModel =>
  goodHoursModel(version, regions, trainedAt, (hour) => hour >= 18 && hour < 21);

/** A model that learned the local hours of the day `good` picks answer at 60%, other hours at 15%. */
export function goodHoursModel(
  version: string,
  regions: readonly string[],
  trainedAt: Date,
  good: (hourOfDay: number) => boolean,
): AnswerModel {
  const rows: AnswerCounts[] = [];
  for (let hour = 0; hour < 168; hour += 1) {
    const evening = good(hour % 24);
    for (const region of regions)
      rows.push({
        hourOfWeek: hour,
        region,
        attempt: 1,
        lastOutcome: 'none',
        calls: 400,
        answered: evening ? 240 : 60,
      });
  }
  const window = { from: new Date(trainedAt.getTime() - 14 * 86_400_000), to: trainedAt };
  return trainAnswerModel(rows, rows, { version, trainedAt, window });
}
