/**
 * Lets osls accept the top-level `build` block that Serverless Framework v4 reads (`build: { esbuild: false }`
 * keeps v4 from bundling with its built-in esbuild, since serverless-esbuild does it). osls does not know the key
 * and refuses unknown keys; v4 defines it itself, so this plugin then does nothing.
 */
class V4BuildKey {
  constructor(serverless) {
    const handler = serverless.configSchemaHandler;
    if (handler?.schema?.properties && !handler.schema.properties.build) {
      handler.defineTopLevelProperty('build', {
        type: 'object',
        properties: { esbuild: { anyOf: [{ type: 'boolean' }, { type: 'object' }] } },
      });
    }
  }
}

module.exports = V4BuildKey;
