/** An in-memory MessageQueue: the messages sent, in order; chosen ids fail as SQS's partial batch failures do. */
import type { MessageQueue, OutgoingMessage } from '../../src/adapters/messageQueue.ts';

export function fakeMessageQueue(
  failing: (message: OutgoingMessage) => boolean = () => false,
): MessageQueue & { readonly sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    async send(messages) {
      const failed = new Map(
        messages.filter(failing).map((message) => [message.id, 'InternalError'] as [string, string]),
      );
      const accepted = messages.filter((message) => !failed.has(message.id));
      sent.push(...accepted);
      return { sent: new Set(accepted.map((message) => message.id)), failed };
    },
  };
}
