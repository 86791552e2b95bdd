import type { ErrorObject } from 'ajv';

/** Readable messages for schema violations ("attempt must be >= 1"), without echoing the values. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const field = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (error.keyword === 'additionalProperties') {
      return `unknown field ${String((error.params as { additionalProperty?: string }).additionalProperty)}`;
    }
    if (error.keyword === 'required') {
      return `missing field ${String((error.params as { missingProperty?: string }).missingProperty)}`;
    }
    return `${field || 'body'} ${error.message ?? 'is invalid'}`;
  });
}
