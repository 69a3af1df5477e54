import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/constructs/index.ts';
import { addStage, deploymentOf } from '../../infra/deployment.ts';
import type { SurveyStack } from '../../infra/survey-stack.ts';

/** The context `cdk synth` runs with (cdk.json), so the tests see the same feature flags as a deployment. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** The assembly directories surveyApp made (CDK's default is a temp dir it never removes). */
const outdirs: string[] = [];

/** Removes the assembly directories of every surveyApp so far: call it in afterAll. */
export function removeSurveyApps(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The survey stack as infra/app.ts adds it, in an app with cdk.json's context plus `context` (as `-c key=value`
 * gives it); bundling is skipped (the synth test bundles for real).
 */
export function surveyApp(context: Record<string, unknown> = {}): { app: App; stack: SurveyStack; template: Template } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'survey-cdk-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], alarmEmail: 'alarms@example.org', ...context },
  });
  const stack = addStage(app, deploymentOf(app));
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource (an L2's default child, or the L1 itself). */
export function logicalId(stack: SurveyStack, construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`test: ${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(element);
}
