/**
 * The functions' environment for each stage, read by serverless.yml (`${file(./config/environment.cjs):...}`).
 * - stage `local`: the embedded stack of a running `npm start` (endpoints and keys in .local/stack.json);
 * - any other stage: the AWS resources of this service, and values given at deploy time.
 * `src/lib/config.ts` is what reads and checks these variables in the functions.
 * CommonJS because the framework loads variable files with require().
 */
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const LOCAL_STACK_FILE = join(__dirname, '..', '.local', 'stack.json');

function localStack() {
  if (process.argv.includes('deploy')) {
    throw new Error(
      'Stage "local" runs on this machine only: deploy with --stage <name>, e.g. --stage prod.',
    );
  }
  if (!existsSync(LOCAL_STACK_FILE)) {
    throw new Error(
      'The local stack is not running: start it with `npm start`, then run this command again.',
    );
  }
  return JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')).env;
}

/** A value the deploying shell must give; its absence stops the command with the variable's name. */
function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `Missing deploy parameter ${name}: set it in the environment of the sls command (see README, "Deploy").`,
    );
  }
  return value;
}

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const service = await resolveVariable('self:service');
  const common = {
    SERVICE_NAME: service,
    STAGE: stage,
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: stage === 'local' ? 'DEBUG' : 'INFO',
  };
  if (stage === 'local') {
    const stack = localStack();
    return {
      provider: { ...stack, ...common },
      dialerWorker: { DIAL_CLAIM_LEASE_SECONDS: '60' },
    };
  }
  return {
    provider: {
      ...common,
      DATABASE_URL: required('DATABASE_URL'),
      PHONE_HASH_KEY: required('PHONE_HASH_KEY'),
      PHONE_DEFAULT_REGION: process.env.PHONE_DEFAULT_REGION || 'US',
    },
    dialerWorker: {
      BLACKLIST_TABLE: { Ref: 'BlacklistTable' },
      ASTERISK_CALLS_QUEUE_URL: { Ref: 'AsteriskCallsQueue' },
      // Twice the timeout: a claim outlives the invocation that made it, and expires before the redelivery
      // (visibility timeout: 6 x timeout), so a call that may not have gone out is sent again.
      DIAL_CLAIM_LEASE_SECONDS: '60',
    },
  };
};
