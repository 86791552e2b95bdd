/**
 * The dashboard's only way to the product: the public API, same origin, with the caller's bearer token. The token is
 * kept for this tab only (sessionStorage), never in the URL. Every failure becomes a sentence for the page.
 */

const TOKEN_KEY = 'voice-campaign-token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer the page shows instead of data: what went wrong, and whether a new token would help. */
export class ApiProblem extends Error {
  override name = 'ApiProblem';
  readonly status: number;
  readonly needsToken: boolean;
  /** The API's list of what was wrong (`details`), each naming its field first: "pacing.callsPerMinute must be ...". */
  readonly details: readonly string[];
  constructor(message: string, status: number, needsToken = false, details: readonly string[] = []) {
    super(message);
    this.status = status;
    this.needsToken = needsToken;
    this.details = details;
  }
}

const GATEWAY_DENIED = 'User is not authorized to access this resource';

function problemOf(status: number, body: unknown): ApiProblem {
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : `The API answered ${status}`;
  // API Gateway refuses a token its authorizer does not accept with 401, or 403 and this message (a token it
  // denies); a function's own 403 (a scope the token lacks) says what was refused.
  if (status === 401 || (status === 403 && message === GATEWAY_DENIED))
    return new ApiProblem('The token is missing, expired or not valid: paste a new one.', status, true);
  if (status === 403) return new ApiProblem(`Your token does not allow this: ${message}`, status);
  const details = (body as { details?: unknown } | undefined)?.details;
  return new ApiProblem(
    message,
    status,
    false,
    Array.isArray(details) ? details.filter((d): d is string => typeof d === 'string') : [],
  );
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const bearer = token.get();
  if (bearer === null) throw new ApiProblem('No token yet: paste one to sign in.', 401, true);
  let answer: Response;
  try {
    answer = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiProblem('The API cannot be reached: is it running?', 0);
  }
  const answered: unknown = await answer.json().catch(() => undefined);
  if (!answer.ok) throw problemOf(answer.status, answered);
  return answered as T;
}

/**
 * The scopes the token names (its `scope` claim), to show only the screens it may use; the API decides, this only
 * spares a caller forms it would be refused. None for a token that is not a JWT.
 */
export function tokenScopes(): Set<string> {
  const payload = token.get()?.split('.')[1];
  if (payload === undefined) return new Set();
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { scope?: unknown };
    return new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
  } catch {
    return new Set();
  }
}

/** The local stack's demo token (npm start serves it on loopback only); undefined anywhere else. */
export async function localToken(): Promise<string | undefined> {
  try {
    const answer = await fetch('local/token');
    if (!answer.ok) return undefined;
    const body = (await answer.json()) as { token?: unknown };
    return typeof body.token === 'string' ? body.token : undefined;
  } catch {
    return undefined;
  }
}
