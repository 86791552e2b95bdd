/** An in-memory RejectionStore: the messages set aside, as the rejected-message table would keep them. */
import type { RejectedMessage, RejectionStore } from '../../src/lib/queueTasks.ts';

export function fakeRejectionStore(): RejectionStore & { readonly rejected: RejectedMessage[] } {
  const rejected: RejectedMessage[] = [];
  return {
    rejected,
    async record(messages) {
      rejected.push(...messages);
    },
  };
}
