import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { removeSurveyApps, surveyApp } from './survey-app.ts';

afterAll(removeSurveyApps);

/** Every unacknowledged finding as "rule at construct path". */
function findings(root: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(root);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no finding unacknowledged in the survey stack', () => {
    const { app } = surveyApp();
    expect(findings(app)).toEqual([]);
  });

  it('still report a wildcard nobody acknowledged', () => {
    const { stack } = surveyApp();
    const role = new iam.Role(stack, 'CarelessRole', { assumedBy: new iam.AccountRootPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(findings(stack)).toEqual(
      expect.arrayContaining([
        `AwsSolutions-IAM5[Action::s3:*] at ${stack.stackName}/CarelessRole/DefaultPolicy/Resource`,
        `AwsSolutions-IAM5[Resource::*] at ${stack.stackName}/CarelessRole/DefaultPolicy/Resource`,
      ]),
    );
  });

  it('give every acknowledgement a reason of more than a few words', () => {
    const { app } = surveyApp();
    const reasons: [string, string][] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) reasons.push([id, reason]);
      }
      node.node.children.forEach(visit);
    };
    visit(app);
    expect(reasons.length).toBeGreaterThan(10);
    for (const [id, reason] of reasons) expect(reason.split(' ').length, id).toBeGreaterThanOrEqual(8);
  });
});
