/**
 * Campaign summaries for the `npm start` log: every few seconds, one line per campaign whose attempt counts changed
 * since the last look (`campaign demo running: initiated 990, skipped_blacklisted 10`).
 */
import pg from 'pg';

const PROGRESS_SQL = `
SELECT c.id, c.status, a.status AS attempt_status, count(a.*)::int AS n
FROM campaigns c JOIN call_attempts a ON a.campaign_id = c.id
WHERE c.status = 'running' OR c.updated_at > now() - interval '1 minute'
GROUP BY c.id, c.status, a.status
ORDER BY c.id, a.status`;

/** Starts watching; the returned function stops it. */
export function watchCampaigns(databaseUrl: string, report: (line: string) => void, everyMs = 5_000) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, allowExitOnIdle: true });
  // The database stopping under an idle connection (Ctrl-C) is not an error of the watcher.
  pool.on('error', () => {});
  const last = new Map<string, string>();
  const look = async () => {
    const { rows } = await pool.query<{ id: string; status: string; attempt_status: string; n: number }>(
      PROGRESS_SQL,
    );
    const counts = new Map<string, { status: string; parts: string[] }>();
    for (const row of rows) {
      const campaign = counts.get(row.id) ?? { status: row.status, parts: [] };
      campaign.parts.push(`${row.attempt_status} ${row.n}`);
      counts.set(row.id, campaign);
    }
    for (const [id, { status, parts }] of counts) {
      const line = `campaign ${id} ${status}: ${parts.join(', ')}`;
      if (last.get(id) !== line) report(line);
      last.set(id, line);
    }
  };
  const timer = setInterval(() => look().catch(() => {}), everyMs);
  return async () => {
    clearInterval(timer);
    await look().catch(() => {});
    await pool.end().catch(() => {});
  };
}
