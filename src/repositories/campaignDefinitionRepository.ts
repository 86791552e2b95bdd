/**
 * Campaigns as their owners define them, in Postgres: created (once per idempotency key), listed newest first by
 * keyset, changed only in the state they were read in, deleted while drafts or cancelled once started.
 */

import { DEFAULT_BEST_TIME, type ResolvedSettings } from '../domain/campaignSettings.ts';
import type { Database } from '../lib/database.ts';
import type { CampaignStatus } from './campaignRepository.ts';

export interface CampaignDefinition {
  campaignId: string;
  userId: string;
  status: CampaignStatus;
  createdAt: string;
  settings: ResolvedSettings;
}

/** How far a listed campaign got: its contacts (counted when it started) and those reached with a first call. */
export interface CampaignListProgress {
  contacts: number | null;
  reached: number;
}

interface Row {
  id: string;
  user_id: string;
  status: CampaignStatus;
  created_at: Date;
  name: string;
  /** Null for a campaign made without the API (by SQL). */
  caller_id: string | null;
  call_flow: string | null;
  purpose: ResolvedSettings['purpose'];
  blocked_dates: string[];
  default_region: string;
  default_time_zone: string;
  calling_window: ResolvedSettings['callingWindow'];
  max_attempts: number;
  retry_delays: ResolvedSettings['retryDelays'];
  pacing: ResolvedSettings['pacing'];
  start_at: Date | null;
  end_at: Date | null;
  /** Campaigns stored before a setting existed lack it: they get its default. */
  best_time: Partial<ResolvedSettings['bestTimeToCall']>;
}

const COLUMNS = `id, user_id, status, created_at, name, caller_id, call_flow, default_region, default_time_zone,
  calling_window, max_attempts, retry_delays, pacing, start_at, end_at, purpose, blocked_dates, best_time`;

function toDefinition(row: Row): CampaignDefinition {
  return {
    campaignId: row.id,
    userId: row.user_id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    settings: {
      name: row.name,
      callerId: row.caller_id ?? '',
      callFlow: row.call_flow ?? '',
      purpose: row.purpose,
      defaultRegion: row.default_region,
      defaultTimeZone: row.default_time_zone,
      callingWindow: row.calling_window,
      blockedDates: row.blocked_dates,
      maxAttempts: row.max_attempts,
      retryDelays: row.retry_delays,
      pacing: row.pacing,
      bestTimeToCall: { ...DEFAULT_BEST_TIME, ...row.best_time },
      ...(row.start_at ? { startAt: row.start_at.toISOString() } : {}),
      ...(row.end_at ? { endAt: row.end_at.toISOString() } : {}),
    },
  };
}

const values = (s: ResolvedSettings) => [
  s.name,
  s.callerId,
  s.callFlow,
  s.defaultRegion,
  s.defaultTimeZone,
  JSON.stringify(s.callingWindow),
  s.maxAttempts,
  JSON.stringify(s.retryDelays),
  JSON.stringify(s.pacing),
  s.startAt ?? null,
  s.endAt ?? null,
  s.purpose,
  JSON.stringify(s.blockedDates),
  JSON.stringify(s.bestTimeToCall),
];

/** A page's position: the last campaign's creation time and id, opaque to callers. */
const encodeCursor = (row: CampaignDefinition) =>
  Buffer.from(`${row.createdAt}|${row.campaignId}`).toString('base64url');
function decodeCursor(cursor: string): [string, string] | undefined {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  return createdAt && id && !Number.isNaN(Date.parse(createdAt)) ? [createdAt, id] : undefined;
}

export interface CampaignDefinitionRepository {
  /** Creates a draft; with a key the same user used before, answers that campaign instead (`created` false). */
  create(
    draft: { campaignId: string; userId: string; settings: ResolvedSettings },
    idempotencyKey?: string,
  ): Promise<{ campaign: CampaignDefinition; created: boolean }>;
  find(campaignId: string): Promise<CampaignDefinition | undefined>;
  /** The user's campaigns, newest first, each with its progress; `next` is the cursor of the following page. */
  list(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ campaigns: Array<CampaignDefinition & { progress: CampaignListProgress }>; next?: string }>;
  /** Writes the settings if the campaign is still in `status`; undefined if it is not (a start came first). */
  update(
    campaignId: string,
    status: CampaignStatus,
    settings: ResolvedSettings,
  ): Promise<CampaignDefinition | undefined>;
  /** Deletes the campaign if it is a draft (a started one is cancelled, by the campaign's transitions); answers whether it did. */
  deleteDraft(campaignId: string): Promise<boolean>;
}

export function createCampaignDefinitionRepository(db: Database): CampaignDefinitionRepository {
  return {
    async create({ campaignId, userId, settings }, idempotencyKey) {
      const { rows } = await db.query<Row>(
        `INSERT INTO campaigns (id, user_id, idempotency_key, name, caller_id, call_flow, default_region,
           default_time_zone, calling_window, max_attempts, retry_delays, pacing, start_at, end_at, purpose,
           blocked_dates, best_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING ${COLUMNS}`,
        [campaignId, userId, idempotencyKey ?? null, ...values(settings)],
      );
      if (rows[0]) return { campaign: toDefinition(rows[0]), created: true };
      const existing = await db.query<Row>(
        `SELECT ${COLUMNS} FROM campaigns WHERE user_id = $1 AND idempotency_key = $2`,
        [userId, idempotencyKey],
      );
      if (!existing.rows[0])
        throw new Error('A campaign was neither created nor found for its idempotency key');
      return { campaign: toDefinition(existing.rows[0]), created: false };
    },

    async find(campaignId) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [campaignId]);
      return rows[0] && toDefinition(rows[0]);
    },

    async list(userId, limit, cursor) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      // Progress from the activity buckets (first calls), never from the contacts themselves.
      const { rows } = await db.query<Row & { contact_count: number | null; reached: number }>(
        `SELECT ${COLUMNS}, contact_count,
           (SELECT coalesce(sum(a.first_dialled), 0)::int FROM campaign_activity a WHERE a.campaign_id = k.id) AS reached
         FROM campaigns k
         WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [userId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      const campaigns = rows.slice(0, limit).map((row) => ({
        ...toDefinition(row),
        progress: { contacts: row.contact_count, reached: row.reached },
      }));
      const last = campaigns.at(-1);
      return rows.length > limit && last ? { campaigns, next: encodeCursor(last) } : { campaigns };
    },

    async update(campaignId, status, settings) {
      const { rows } = await db.query<Row>(
        `UPDATE campaigns SET name = $3, caller_id = $4, call_flow = $5, default_region = $6, default_time_zone = $7,
           calling_window = $8, max_attempts = $9, retry_delays = $10, pacing = $11, start_at = $12, end_at = $13,
           purpose = $14, blocked_dates = $15, best_time = $16, updated_at = now()
         WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
        [campaignId, status, ...values(settings)],
      );
      return rows[0] && toDefinition(rows[0]);
    },

    async deleteDraft(campaignId) {
      const deleted = await db.query(`DELETE FROM campaigns WHERE id = $1 AND status = 'draft'`, [
        campaignId,
      ]);
      return (deleted.rowCount ?? 0) > 0;
    },
  };
}
