/**
 * Request counts for the benchmarks, taken at the clients: every statement a pg client of this process sends, and
 * every HTTP request (retries included) an AWS SDK client sends.
 */
import pg from 'pg';

/** Counts from now on every statement any pg client of this process sends; answers the running count. */
export function countStatements(): () => number {
  let statements = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return () => statements;
}

interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'finalizeRequest'; name: string },
    ): void;
  };
}

/** Counts every request `client` sends from now on; answers the running count. */
export function countRequests(client: object): () => number {
  let sent = 0;
  (client as WithMiddleware).middlewareStack.add(
    (next) => (args) => {
      sent += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRequestCount' },
  );
  return () => sent;
}
