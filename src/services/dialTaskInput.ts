/**
 * Reading one dial-task message: JSON, the schema in schemas/dialTask.schema.json, an E.164 number.
 * A task that fails here can never succeed: it is set aside, not retried.
 */
import type { DialTask } from '../generated/dialTask.ts';
import validateDialTask from '../generated/dialTask.validate.cjs';
import { ValidationError } from '../lib/errors.ts';
import { type E164, toE164 } from '../lib/phone.ts';
import { describeSchemaErrors } from '../lib/schemaErrors.ts';

export interface ValidDialTask extends DialTask {
  phoneNumber: E164;
}

/** What could be read of a rejected task, to record it under its campaign and contact when they are known. */
export interface PartialIdentity {
  campaignId?: string;
  contactId?: string;
  attempt?: number;
}

export type DialTaskInput =
  | { ok: true; task: ValidDialTask }
  | { ok: false; error: ValidationError; identity: PartialIdentity };

function identityOf(value: unknown): PartialIdentity {
  if (typeof value !== 'object' || value === null) return {};
  const { campaignId, contactId, attempt } = value as Record<string, unknown>;
  const id = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v) ? v : undefined);
  return {
    campaignId: id(campaignId),
    contactId: id(contactId),
    attempt:
      Number.isInteger(attempt) && (attempt as number) >= 1 && (attempt as number) <= 100
        ? (attempt as number)
        : undefined,
  };
}

/** Parses and checks one message body; never throws. */
export function readDialTask(body: string, defaultRegion: string | undefined): DialTaskInput {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, error: new ValidationError('Dial task is not valid JSON'), identity: {} };
  }
  if (!validateDialTask(value)) {
    const details = describeSchemaErrors(validateDialTask.errors);
    return {
      ok: false,
      error: new ValidationError(`Dial task does not match its schema: ${details.join('; ')}`, details),
      identity: identityOf(value),
    };
  }
  try {
    return { ok: true, task: { ...value, phoneNumber: toE164(value.phoneNumber, defaultRegion) } };
  } catch (error) {
    const failure =
      error instanceof ValidationError ? error : new ValidationError('phoneNumber is not valid');
    return { ok: false, error: failure, identity: identityOf(value) };
  }
}
