/**
 * Why a campaign is or is not dialling (src/domain/dialling.ts), from what its status already read and a few more
 * facts: an import in progress, calls in flight and calls without a result, and whether any of the contacts due
 * soonest is inside its calling hours when due, else where and when the first opens.
 */
import { callableAt, contactHours, hoursKey, nextCallable } from '../domain/callingHours.ts';
import type { ResolvedSettings } from '../domain/campaignSettings.ts';
import { type DiallingAnswer, type DiallingFacts, diallingState } from '../domain/dialling.ts';
import { traced } from '../lib/tracing.ts';
import type { CampaignRepository } from '../repositories/campaignRepository.ts';
import type { PreviewRepository } from '../repositories/previewRepository.ts';
import type { ScheduleRepository } from '../repositories/scheduleRepository.ts';
import type { CampaignProgress } from './campaignService.ts';
import { soonestAtLimit } from './recipientLimits.ts';
import { scanLimit } from './scheduler.ts';

export interface DiallingDeps {
  campaigns: Pick<CampaignRepository, 'importInProgress' | 'unansweredCalls'>;
  schedule: Pick<ScheduleRepository, 'due' | 'inFlight'>;
  /** The contacts due soonest and their numbers' recent calls (the preview's reading). */
  preview: Pick<PreviewRepository, 'soonest'>;
  /** A call sent this long ago without a result is taken as lost (the scheduler's setting). */
  resultTimeoutMinutes: number;
  /** The call deadline, which widens the limits' windows as the claim widens them (the dialer's setting). */
  callDeadlineSeconds: number;
}

/**
 * Whether any of the contacts due soonest (those a tick reads once they are due, at `dueAt`) is inside its calling
 * hours now; else the first opening among them and its zones. A contact the last tick found outside its hours is due
 * at their opening: at night the contacts due soonest are those, and they are outside their hours now.
 */
async function dueHours(
  deps: DiallingDeps,
  campaignId: string,
  settings: Pick<ResolvedSettings, 'callingWindow' | 'blockedDates' | 'pacing'>,
  dueAt: Date,
  at: Date,
): Promise<DiallingFacts['dueHours']> {
  const due = await deps.schedule.due(campaignId, dueAt, scanLimit(settings.pacing.callsPerMinute));
  if (due.length === 0) return undefined;
  const groups = new Map<string, ReturnType<typeof contactHours>>();
  for (const contact of due) {
    const hours = contactHours(contact, {
      callingWindow: settings.callingWindow,
      blockedDates: settings.blockedDates,
    });
    if (hours.zones.length > 0) groups.set(hoursKey(hours), hours);
  }
  let first: { at: Date; zones: string[] } | undefined;
  for (const hours of groups.values()) {
    if (callableAt(at, hours).callable) return { callableNow: true, nextOpening: null, zones: [] };
    const opening = nextCallable(at, hours);
    if (opening === undefined) continue;
    if (first === undefined || opening < first.at) first = { at: opening, zones: [...hours.zones] };
    else if (opening.getTime() === first.at.getTime())
      first.zones = [...new Set([...first.zones, ...hours.zones])];
  }
  return { callableNow: false, nextOpening: first?.at ?? null, zones: (first?.zones ?? []).sort() };
}

/** How many of the contacts due soonest are checked against their limits when nothing is due. */
const LIMIT_CHECKED = 50;

export function campaignDialling(
  deps: DiallingDeps,
  progress: CampaignProgress & { userId: string },
  settings: ResolvedSettings,
  now: Date,
): Promise<DiallingAnswer> {
  return traced('DiallingState', async () => {
    const { campaignId } = progress;
    const running = progress.status === 'running';
    const since = new Date(now.getTime() - deps.resultTimeoutMinutes * 60_000);
    const [importing, inFlight, unanswered] = await Promise.all([
      progress.status === 'draft' ? deps.campaigns.importInProgress(campaignId) : undefined,
      running ? deps.schedule.inFlight(campaignId, since) : 0,
      running ? deps.campaigns.unansweredCalls(campaignId, since) : 0,
    ]);
    const nextDueAt = progress.nextDueAt === null ? null : new Date(progress.nextDueAt);
    const dueAt = nextDueAt === null ? undefined : new Date(Math.max(now.getTime(), nextDueAt.getTime()));
    // Nothing due yet: the contacts due soonest may be waiting for their numbers' limits.
    const limited =
      running && nextDueAt !== null && nextDueAt > now
        ? await soonestAtLimit(
            deps.preview,
            { campaignId, userId: progress.userId, purpose: settings.purpose },
            LIMIT_CHECKED,
            now,
            deps.callDeadlineSeconds,
          )
        : undefined;
    return diallingState(
      {
        status: progress.status,
        startAt: settings.startAt ? new Date(settings.startAt) : null,
        endAt: settings.endAt ? new Date(settings.endAt) : null,
        importing: importing !== undefined,
        contacts: progress.contacts,
        contactsOpen: progress.contactsOpen,
        nextDueAt,
        inFlight,
        maxConcurrentCalls: settings.pacing.maxConcurrentCalls,
        unanswered,
        lastTick: progress.lastTick
          ? { at: new Date(progress.lastTick.at), released: progress.lastTick.released }
          : null,
        ...(running && dueAt ? { dueHours: await dueHours(deps, campaignId, settings, dueAt, now) } : {}),
        ...(limited
          ? { dueAtLimit: { checked: limited.soonest.length, atLimit: limited.atLimit.size } }
          : {}),
      },
      now,
    );
  });
}
