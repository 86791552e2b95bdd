/**
 * Who may do what with the do-not-call list, by the scopes of the caller's token, and what each caller is shown.
 * Any authenticated caller may ask whether a number is listed; adding needs `dnc:write` (or `dnc:admin`); removing,
 * and seeing who listed a number, why, and its history, needs `dnc:admin`.
 */
import type { BlacklistEntry } from './blacklistService.ts';

export const DNC_WRITE = 'dnc:write';
export const DNC_ADMIN = 'dnc:admin';
export const MAY_ADD = [DNC_WRITE, DNC_ADMIN] as const;
export const MAY_REMOVE = [DNC_ADMIN] as const;

export interface EntryView {
  phoneNumber: string;
  listed: boolean;
  addedAt?: string;
  addedBy?: string;
  reason?: string;
  history?: BlacklistEntry['history'];
}

/** The entry as the caller may see it: whether and since when for everyone; author, reason, history for admins. */
export function entryFor(entry: BlacklistEntry, scopes: ReadonlySet<string>): EntryView {
  const view: EntryView = { phoneNumber: entry.phoneNumber, listed: entry.listed };
  if (entry.listed && entry.addedAt !== undefined) view.addedAt = entry.addedAt;
  if (!scopes.has(DNC_ADMIN)) return view;
  if (entry.addedBy !== undefined) view.addedBy = entry.addedBy;
  if (entry.reason !== undefined) view.reason = entry.reason;
  view.history = entry.history;
  return view;
}
