/**
 * Which of a campaign's contacts due soonest are at their per-recipient limit now (the rules table's
 * `recipientLimits` for the campaign's purpose, counted over the owner's calls to each number), for the preview and
 * for why a campaign is not dialling. A reading for operators: the claim checks each call's limits itself, atomically.
 */
import { CALLING_HOURS } from '../domain/callingHours.ts';
import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import type { PreviewRepository } from '../repositories/previewRepository.ts';

/** The tightest limit of `purpose` for each window length, [hours, calls]: one count per window. */
export function limitWindows(purpose: ResolvedSettings['purpose']): Array<readonly [number, number]> {
  const callsByWindow = new Map<number, number>();
  for (const limit of CALLING_HOURS.recipientLimits)
    if ((limit.purposes as readonly string[]).includes(purpose))
      callsByWindow.set(limit.hours, Math.min(limit.calls, callsByWindow.get(limit.hours) ?? limit.calls));
  return callsByWindow.size > 0 ? [...callsByWindow] : [[24, Number.POSITIVE_INFINITY] as const];
}

/**
 * The `count` open contacts due soonest (their numbers), and those of them at one of their limits at `at`. Each
 * window is widened by `callDeadlineSeconds`, as the claim counts it: a call is placed up to that long after its
 * claim, so a number stays at its limit that much longer (rules/README.md).
 */
export async function soonestAtLimit(
  preview: Pick<PreviewRepository, 'soonest'>,
  campaign: { campaignId: string; userId: string; purpose: ResolvedSettings['purpose'] },
  count: number,
  at: Date,
  callDeadlineSeconds: number,
): Promise<{ soonest: string[]; atLimit: Set<string> }> {
  const windows = limitWindows(campaign.purpose);
  const counts = await Promise.all(
    windows.map(([hours]) =>
      preview.soonest(campaign.campaignId, campaign.userId, count, at, hours * 3600 + callDeadlineSeconds),
    ),
  );
  const atLimit = new Set(
    counts
      .flatMap((found, i) =>
        found.filter((c) => c.recentCalls >= (windows[i]?.[1] ?? Number.POSITIVE_INFINITY)),
      )
      .map((c) => c.phoneNumber),
  );
  return { soonest: (counts[0] ?? []).map((c) => c.phoneNumber), atLimit };
}
