/**
 * Removes the staging directories serverless-esbuild leaves in the system temp directory when it zips each
 * function (`<function>-<pid>-<time>-<hex>`). Its cleanup (1.57) removes them without `recursive`, which fails
 * silently on a non-empty directory, so every package or deploy would leave one directory per function behind.
 * Only this process's directories are touched (the pid is in their name).
 */
const { readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

class EsbuildTempCleanup {
  constructor(serverless) {
    const names = () => serverless.service.getAllFunctions();
    const cleanup = () => {
      const prefixes = names().map((name) => `${name}-${process.pid}-`);
      let entries = [];
      try {
        entries = readdirSync(tmpdir());
      } catch {
        return;
      }
      for (const entry of entries) {
        if (prefixes.some((prefix) => entry.startsWith(prefix))) {
          rmSync(join(tmpdir(), entry), { recursive: true, force: true });
        }
      }
    };
    this.hooks = {
      'after:package:createDeploymentArtifacts': cleanup,
      'after:deploy:function:packageFunction': cleanup,
    };
  }
}

module.exports = EsbuildTempCleanup;
