/**
 * The project's X-Ray middleware, first in every chain. It opens the invocation's root subsegment (named after the
 * function), annotates it, records errors with X-Ray's meaning of the flags, and closes it on every path:
 * - success: `xrayAfter` (after every other `after`, since it is first in the chain);
 * - error: `xrayOnError` (last of the `onError` chain, so it sees the status an error handler chose);
 * - early return by a later `before` (Middy then skips every `after`): the `xrayPlugin.requestEnd` hook.
 * Per-invocation state lives in `request.internal`; where nothing is traced every step is a no-op.
 */
import type middy from '@middy/core';
import type { MiddlewareObj, Request } from '@middy/core';
import validateCampaignPath from '../generated/campaignPath.validate.cjs';
import { runtimeConfig } from '../lib/config.ts';
import { statusCodeOf } from '../lib/errors.ts';
import { redactPhoneLike } from '../lib/redact.ts';
import { type Span, startInvocationSpan } from '../lib/tracing.ts';

export interface XrayOptions<TEvent, TResult> {
  /** Name of the root subsegment: the function's name (`dialerWorker`, `startCampaign`). */
  name: string;
  /** The campaign this invocation works for, if one. */
  campaignId?: (event: TEvent) => string | undefined;
  /** The user on whose behalf it runs: from a verified identity, never from caller-controlled input. */
  userId?: (event: TEvent) => string | undefined;
  /** The status a response stands for (an HTTP status; 500 for an SQS batch with failed items). */
  responseStatus?: (response: TResult) => number | undefined;
}

function statusOf<TEvent, TResult>(
  options: XrayOptions<TEvent, TResult>,
  response: TResult | null | undefined,
): number | undefined {
  if (options.responseStatus === undefined || response === null || response === undefined) return undefined;
  try {
    return options.responseStatus(response);
  } catch {
    return undefined;
  }
}

const SPAN_KEY = 'xrayInvocationSpan';

// Per function instance, not per invocation: the first invocation of an instance is its cold start.
let coldStart = true;

function takeSpan(request: Request): Span | undefined {
  const internal = request.internal as Record<string, unknown>;
  const span = internal[SPAN_KEY] as Span | undefined;
  delete internal[SPAN_KEY];
  return span;
}

function extract<T>(read: ((input: T) => string | undefined) | undefined, input: T): string | undefined {
  if (read === undefined) return undefined;
  try {
    return read(input);
  } catch {
    return undefined;
  }
}

/**
 * Root annotations are read before the request is validated, from what the caller sent: only a value of the
 * expected form is annotated (annotations are indexed and shown to anyone who reads traces). A campaign id must
 * match its schema; a user id must look like an identifier and hold nothing that could be a phone number.
 */
const SAFE_ID = /^[A-Za-z0-9_.:@|-]{1,128}$/;
const validCampaignId = (value: string | undefined) =>
  value !== undefined && validateCampaignPath({ campaignId: value }) ? value : undefined;
const validUserId = (value: string | undefined) =>
  value !== undefined && SAFE_ID.test(value) && redactPhoneLike(value) === value ? value : undefined;

/** The X-Ray middleware. Use it first, with `xrayPlugin` passed to `middy()` (see `tracedChain`). */
export function tracingMiddleware<TEvent, TResult>(
  options: XrayOptions<TEvent, TResult>,
): MiddlewareObj<TEvent, TResult> {
  const { service, stage } = runtimeConfig();

  const xrayBefore = (request: Request<TEvent, TResult>): void => {
    const span = startInvocationSpan(options.name);
    (request.internal as Record<string, unknown>)[SPAN_KEY] = span;
    span.annotate('coldStart', coldStart);
    coldStart = false;
    span.annotate('service', service);
    span.annotate('environment', stage);
    span.annotate('campaignId', validCampaignId(extract(options.campaignId, request.event)));
    span.annotate('userId', validUserId(extract(options.userId, request.event)));
  };

  const xrayAfter = (request: Request<TEvent, TResult>): void => {
    const span = takeSpan(request);
    if (span === undefined) return;
    const status = statusOf(options, request.response);
    if (status !== undefined) span.markStatus(status);
    span.close();
  };

  const xrayOnError = (request: Request<TEvent, TResult>): void => {
    const span = takeSpan(request);
    if (span === undefined) return;
    // An error handler earlier in the onError chain may have answered with its own status (e.g. a 404).
    const status = statusOf(options, request.response) ?? statusCodeOf(request.error);
    span.recordError(request.error ?? new Error('Unknown error'), status);
    span.close();
  };

  return { before: xrayBefore, after: xrayAfter, onError: xrayOnError };
}

/** Middy plugin hooks that close the root subsegment when a later middleware returned early. */
export const xrayPlugin: middy.PluginObject = {
  requestEnd: (request: Request) => {
    takeSpan(request)?.close();
  },
};
