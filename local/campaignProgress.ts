/**
 * Campaign summaries for the `npm start` log: every few seconds, one line per campaign whose run changed since the
 * last look (`campaign 3f2a... running: 812 calls, 640 of 1000 contacts done (answered 455, do_not_call 10, ...)`).
 */
import pg from 'pg';

// Campaigns running or paused, and those that changed in the last minute (a completed one gets its last line).
const PROGRESS_SQL = `
SELECT c.id, c.status, coalesce(c.contact_count, 0) AS contacts,
  (SELECT count(*)::int FROM call_attempts a WHERE a.campaign_id = c.id AND a.status = 'initiated') AS calls,
  (SELECT coalesce(jsonb_object_agg(final_outcome, n ORDER BY final_outcome), '{}') FROM (
     SELECT final_outcome, count(*)::int AS n FROM contacts
     WHERE campaign_id = c.id AND final_outcome IS NOT NULL GROUP BY final_outcome) AS f) AS done
FROM campaigns c
WHERE c.status IN ('running', 'paused') OR c.updated_at > now() - interval '1 minute'
ORDER BY c.id`;

interface Progress {
  id: string;
  status: string;
  contacts: number;
  calls: number;
  done: Record<string, number>;
}

export function progressLine({ id, status, contacts, calls, done }: Progress): string {
  const total = Object.values(done).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(done).map(([outcome, n]) => `${outcome} ${n}`);
  return `campaign ${id} ${status}: ${calls} calls, ${total} of ${contacts} contacts done${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Starts watching; the returned function stops it. */
export function watchCampaigns(databaseUrl: string, report: (line: string) => void, everyMs = 5_000) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, allowExitOnIdle: true });
  // The database stopping under an idle connection (Ctrl-C) is not an error of the watcher.
  pool.on('error', () => {});
  const last = new Map<string, string>();
  const look = async () => {
    const { rows } = await pool.query<Progress>(PROGRESS_SQL);
    for (const row of rows) {
      if (row.status === 'draft') continue;
      const line = progressLine(row);
      if (last.get(row.id) !== line) report(line);
      last.set(row.id, line);
    }
  };
  const timer = setInterval(() => look().catch(() => {}), everyMs);
  return async () => {
    clearInterval(timer);
    await look().catch(() => {});
    await pool.end().catch(() => {});
  };
}
