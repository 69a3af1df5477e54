import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SurveyStack } from './survey-stack.ts';

// Environment-agnostic on purpose: synth needs no credentials; `cdk deploy` takes the account and region of the
// credentials it runs with.
const app = new App();
new SurveyStack(app, 'SurveyPipeline', { description: 'Sector survey pipeline: lake, ingest, Athena, roles' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
