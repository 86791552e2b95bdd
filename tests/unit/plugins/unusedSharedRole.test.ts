import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

type Template = { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> };
const { dropUnusedSharedRole } = createRequire(import.meta.url)(
  '../../../config/plugins/unusedSharedRole.cjs',
) as {
  dropUnusedSharedRole(template: Template): boolean;
};

const sharedRole = { Type: 'AWS::IAM::Role', Properties: { RoleName: 'shared' } };
const fn = (role: unknown) => ({ Type: 'AWS::Lambda::Function', Properties: { Role: role } });

describe('unused shared role plugin', () => {
  it('drops the shared role when every function has a role of its own', () => {
    // Prepare
    const template: Template = {
      Resources: {
        IamRoleLambdaExecution: sharedRole,
        DialerIamRoleLambdaExecution: sharedRole,
        Dialer: fn({ 'Fn::GetAtt': ['DialerIamRoleLambdaExecution', 'Arn'] }),
      },
    };

    // Act
    const dropped = dropUnusedSharedRole(template);

    // Assess
    expect(dropped).toBe(true);
    expect(Object.keys(template.Resources)).toEqual(['DialerIamRoleLambdaExecution', 'Dialer']);
  });

  it.each([
    ['a GetAtt', fn({ 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] })],
    ['a Ref', fn({ Ref: 'IamRoleLambdaExecution' })],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Sub, not a JavaScript template
    ['a Sub', fn({ 'Fn::Sub': '${IamRoleLambdaExecution.Arn}' })],
    ['a DependsOn', { ...fn('arn:aws:iam::123456789012:role/other'), DependsOn: ['IamRoleLambdaExecution'] }],
  ])('keeps the shared role while %s refers to it', (_kind, resource) => {
    // Prepare
    const template: Template = { Resources: { IamRoleLambdaExecution: sharedRole, Worker: resource } };

    // Act
    const dropped = dropUnusedSharedRole(template);

    // Assess
    expect(dropped).toBe(false);
    expect(template.Resources.IamRoleLambdaExecution).toBe(sharedRole);
  });
});
