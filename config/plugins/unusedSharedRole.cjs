/**
 * Removes the framework's shared Lambda role (`IamRoleLambdaExecution`) from the template when nothing uses it.
 * Every function here has a role of its own (serverless-iam-roles-per-function, listed before this plugin), but the
 * framework still creates the shared one, with the union of all statements: an unused role that could be attached
 * later by mistake. It is kept whenever anything in the template still refers to it.
 */
const SHARED_ROLE = 'IamRoleLambdaExecution';

/** Whether `value` (a template fragment) names `logicalId` in a Ref, a GetAtt, a Sub or a DependsOn. */
function refersTo(value, logicalId) {
  if (typeof value === 'string') return value === logicalId || value.includes(`\${${logicalId}`);
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (value && typeof value === 'object') {
    if (value.Ref === logicalId) return true;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
    if (typeof getAtt === 'string' && getAtt.startsWith(`${logicalId}.`)) return true;
    return Object.values(value).some((item) => refersTo(item, logicalId));
  }
  return false;
}

/** Drops the shared role from `template` unless something refers to it; returns whether it was dropped. */
function dropUnusedSharedRole(template) {
  const { [SHARED_ROLE]: role, ...others } = template.Resources ?? {};
  if (role === undefined) return false;
  const used = Object.values(others).some((resource) => refersTo(resource, SHARED_ROLE));
  if (used || refersTo(template.Outputs ?? {}, SHARED_ROLE)) return false;
  delete template.Resources[SHARED_ROLE];
  return true;
}

class UnusedSharedRole {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        dropUnusedSharedRole(serverless.service.provider.compiledCloudFormationTemplate);
      },
    };
  }
}

module.exports = UnusedSharedRole;
module.exports.dropUnusedSharedRole = dropUnusedSharedRole;
