/**
 * The service's errors. `statusCode` says what kind of failure it is (4xx: the caller's input, 5xx: ours or a
 * dependency's); `expose` says whether the message may be shown to a caller. Map errors with `instanceof`.
 *
 * Each class names itself in a string (`name`), not from its constructor: the packaged functions are minified, which
 * renames classes, and a trace records an exception under its `name` (X-Ray groups and filters errors by it).
 */
import { redactPhoneLike } from './redact.ts';

export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly statusCode: number;
  readonly expose: boolean;

  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
  }
}

/** The input breaks a rule; retrying it unchanged can never succeed. */
export class ValidationError extends ServiceError {
  override name = 'ValidationError';
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(message, 400, options);
    this.details = details;
  }
}

/** A configuration value is missing or malformed: the function cannot start. */
export class ConfigError extends ServiceError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(message, 500);
  }
}

/** A dependency (database, queue, table) failed; the work can be retried later. */
export class DependencyError extends ServiceError {
  override name = 'DependencyError';
  readonly dependency: string;

  constructor(dependency: string, message: string, options?: ErrorOptions) {
    super(message, 503, options);
    this.dependency = dependency;
  }
}

/** `Name: message` of an error, with anything that could be a phone number masked: safe for logs and traces. */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return redactPhoneLike(String(error));
  const firstLine = error.message.split('\n')[0] ?? '';
  return `${error.name}: ${redactPhoneLike(firstLine)}`;
}

/** The HTTP status an error stands for: its own for service errors, 500 for anything else. */
export function statusCodeOf(error: unknown): number {
  if (error instanceof ServiceError) return error.statusCode;
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const { statusCode } = error;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode <= 599) return statusCode;
  }
  return 500;
}

/** The caller is not authenticated (no verified identity reached the function). */
export class UnauthorizedError extends ServiceError {
  override name = 'UnauthorizedError';
  constructor(message = 'Authentication required', options?: ErrorOptions) {
    super(message, 401, options);
  }
}

/** The resource does not exist, or belongs to someone else (the answer does not say which). */
export class NotFoundError extends ServiceError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(message, 404);
  }
}

/** The resource is not in a state that allows the request. */
export class ConflictError extends ServiceError {
  override name = 'ConflictError';
  constructor(message: string) {
    super(message, 409);
  }
}

/** The caller is known but its token does not grant what the request needs. */
export class ForbiddenError extends ServiceError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(message, 403);
  }
}
