/**
 * Builds the dashboard (scripts/buildWeb.ts) into web/dist before the functions are packaged, so that the
 * publishDashboard function's package holds the page it writes into the dashboard's bucket (config/dashboard.cjs).
 * `version` names the page's sources: a change to any of them changes the custom resource, which writes the page
 * again at the next deploy.
 */
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
/** What the built page is made of: its sources, the validators it bundles, and the locked packages (uPlot). */
const SOURCES = [
  'web/index.html',
  'web/app.css',
  'web/favicon.svg',
  'web/src',
  'src/generated/createCampaignRequest.validate.cjs',
  'src/generated/updateCampaignRequest.validate.cjs',
  'scripts/buildWeb.ts',
  'package-lock.json',
];

function filesOf(path) {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .sort()
    .flatMap((name) => filesOf(join(path, name)));
}

/** The first 16 hex digits of a hash of the sources' paths and contents. */
function version() {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(filesOf)) {
    hash.update(relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

class DashboardBuild {
  constructor(serverless) {
    const build = () => {
      // The Node running the framework (npm's scripts put the project's Node 24 first on the PATH).
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'buildWeb.ts'), join(ROOT, 'web', 'dist')], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      serverless.cli?.log?.('Dashboard built into web/dist');
    };
    this.hooks = {
      'before:package:createDeploymentArtifacts': build,
      'before:deploy:function:packageFunction': build,
    };
  }
}

module.exports = DashboardBuild;
module.exports.version = version;
