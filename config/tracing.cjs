/**
 * The esbuild conditions of the stage's tracing backend (param `tracingBackend` in serverless.yml), read as
 * `${file(./config/tracing.cjs):conditions}`: package.json's `#tracing-backend` import resolves by them.
 * CommonJS because the framework loads variable files with require().
 */
const BACKENDS = {
  xray: [],
  opentelemetry: ['tracing-opentelemetry'],
};

module.exports = async ({ resolveVariable }) => {
  const backend = await resolveVariable('param:tracingBackend');
  const conditions = BACKENDS[backend];
  if (conditions === undefined) {
    throw new Error(
      `Parameter tracingBackend is "${backend}": use one of ${Object.keys(BACKENDS).join(', ')} (see docs/tracing.md).`,
    );
  }
  return { conditions };
};
