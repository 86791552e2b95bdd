/** Queue messages set aside by the queue stack, in Postgres (`rejected_messages`): one statement per batch. */
import type { Database } from '../lib/database.ts';
import type { RejectionStore } from '../lib/queueTasks.ts';

const RECORD_SQL = `
INSERT INTO rejected_messages (queue, message_id, campaign_id, contact_id, reason, body)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
ON CONFLICT (queue, message_id) DO NOTHING`;

export function createRejectionRepository(db: Database): RejectionStore {
  return {
    async record(messages) {
      if (messages.length === 0) return;
      await db.query(RECORD_SQL, [
        messages.map((m) => m.queue),
        messages.map((m) => m.messageId),
        messages.map((m) => m.campaignId ?? null),
        messages.map((m) => m.contactId ?? null),
        messages.map((m) => m.reason),
        messages.map((m) => m.body),
      ]);
    },
  };
}
