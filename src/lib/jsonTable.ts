/**
 * A data table of the bundle (src/generated, written by `npm run schemas`), kept as JSON text and parsed on first use:
 * a function loads faster than with the same data as an object literal, and pays for a table only if it reads it.
 */
export function jsonTable<T>(text: string): () => T {
  let table: T | undefined;
  return () => {
    table ??= JSON.parse(text) as T;
    return table;
  };
}
