import { type App, Tags } from 'aws-cdk-lib';
import { z } from 'zod';
import { getSurvey, SURVEYS } from '../schemas/index.ts';
import { disclosureContext } from './disclosure.ts';
import { SurveyStack } from './survey-stack.ts';

/** The project tag every resource carries (cost allocation), beside `stage`. */
export const PROJECT_TAG = 'survey';

/** One deployment of the pipeline, as `cdk synth|deploy -c stage=... -c surveys=... -c alarmEmail=...` gives it. */
export interface Deployment {
  /** The stage: part of the stack's name and of every name that must differ between stages in one account. */
  readonly stage: string;
  /** The surveys that get a research-team role of their own. */
  readonly surveys: readonly string[];
  /** Who is e-mailed when an alarm fires; without it the alarm topic has no subscriber. */
  readonly alarmEmail?: string;
}

const DeploymentSchema = z.object({
  // Lower-case letters and digits only: the stage ends up in a Glue database name, which Athena wants plain.
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,11}$/, 'expected lower-case letters and digits, starting with a letter, e.g. "dev"')
    .default('dev'),
  surveys: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (typeof value === 'string' ? value.split(',') : value).map((id) => id.trim()))
    .pipe(z.array(z.string().min(1)).min(1))
    .optional(),
  alarmEmail: z.email().optional(),
});

/**
 * Reads the deployment from the app's context (`-c key=value` or cdk.json), failing with one line that names the
 * key. Surveys default to every survey in schemas/surveys; each must be one of them.
 */
export function deploymentOf(app: App): Deployment {
  const raw = Object.fromEntries(
    ['stage', 'surveys', 'alarmEmail'].map((key) => [key, app.node.tryGetContext(key) ?? undefined]),
  );
  const parsed = DeploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '?');
    throw new Error(`infra: context "${key}" ${issue?.message}; got ${JSON.stringify(raw[key])}`);
  }
  // Checked again where the export function is configured; here so that a bad setting fails before any bundling.
  disclosureContext(app);
  const surveys = parsed.data.surveys ?? SURVEYS.map((survey) => survey.id);
  for (const id of surveys) getSurvey(id);
  return { stage: parsed.data.stage, surveys: [...new Set(surveys)], alarmEmail: parsed.data.alarmEmail };
}

/**
 * Adds one stage's stack to the app: `SurveyPipeline-<stage>`, every taggable resource tagged with the project and
 * the stage. Several stages synthesise side by side in one account: nothing they name can collide.
 */
export function addStage(app: App, deployment: Deployment): SurveyStack {
  const stack = new SurveyStack(app, `SurveyPipeline-${deployment.stage}`, {
    description: `Sector survey pipeline (${deployment.stage}): lake, ingest, Athena, roles, alarms`,
    ...deployment,
  });
  Tags.of(stack).add('project', PROJECT_TAG);
  Tags.of(stack).add('stage', deployment.stage);
  return stack;
}
