/** The facts a scheduler tick reads (src/repositories/scheduleRepository.ts) and the changes it decides. */

import type { CallingWindow } from './callingHours.ts';
import type { CampaignStatus } from './campaign.ts';
import type { ResolvedSettings } from './campaignSettings.ts';

/** A campaign a tick acts on: a running one (to release, end or complete) or a cancelled one still closing. */
export interface ActiveCampaign {
  id: string;
  userId: string;
  status: Extract<CampaignStatus, 'running' | 'cancelled'>;
  callingWindow: CallingWindow;
  /** Local dates without calls. */
  blockedDates: string[];
  maxAttempts: number;
  /** Minutes before the next attempt, by the last one's outcome. */
  retryDelays: ResolvedSettings['retryDelays'];
  pacing: ResolvedSettings['pacing'];
  startAt: Date | null;
  endAt: Date | null;
  /** When it was first started. */
  startedAt: Date | null;
  /** Whether the tick orders its callable contacts by the owner's answer model, and the control arm's share. */
  bestTime: ResolvedSettings['bestTimeToCall'];
}

/** A contact due now, with its latest attempt (none before its first release). */
export interface DueContact {
  id: string;
  phoneNumber: string;
  /** What was given of where it is (the calling rules derive its zones from these and its number). */
  timeZone?: string;
  usState?: string;
  postalCode?: string;
  /** Since when it has been due (its next call time). */
  dueAt?: Date;
  /** When it was added to the campaign. */
  addedAt?: Date;
  latest?: {
    attempt: number;
    status: 'queued' | 'dialing' | 'initiated' | 'skipped_blacklisted' | 'failed';
    /** Set once the call's result is known. */
    outcome: string | null;
    /** When its call was sent. */
    initiatedAt: Date | null;
  };
}

/** What a tick does to one contact. */
/** The arm of a campaign using the answer model a contact is released in: ordered by the model, or the control. */
export type Arm = 'model' | 'control';

export type ContactChange =
  /** Released: attempt `attempt` is queued, and the contact is due again at `at` if nothing is heard of it. */
  | { kind: 'release'; contactId: string; attempt: number; at: Date; arm?: Arm }
  /** Not now: due again at `at` (its window's next opening, a live call's expected end, a better hour). */
  | { kind: 'later'; contactId: string; at: Date }
  /** Done for good. */
  | { kind: 'final'; contactId: string; outcome: 'max_attempts' | 'do_not_call' | 'no_zone' };
