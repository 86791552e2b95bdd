/** A call attempt's identity: which campaign, contact and attempt. As text, `campaignId:contactId:attempt`, the dialId. */
export interface AttemptKey {
  campaignId: string;
  contactId: string;
  attempt: number;
}

/** The stable identity of a call, the same for every send of one attempt: `campaignId:contactId:attempt`. */
export function dialIdOf(key: AttemptKey): string {
  return `${key.campaignId}:${key.contactId}:${key.attempt}`;
}

/** The key a dialId names (one the schemas' pattern let through: three parts, the last a number). */
export function keyOfDialId(dialId: string): AttemptKey {
  const [campaignId = '', contactId = '', attempt = '0'] = dialId.split(':');
  return { campaignId, contactId, attempt: Number(attempt) };
}
