import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { IngestPipeline } from './ingest-pipeline.ts';
import type { SurveyFunction } from './survey-function.ts';

/** Props of {@link Alarms}. */
export interface AlarmsProps {
  /** The ingest path: its dead-letter queue and queue are watched. */
  readonly ingest: IngestPipeline;
  /** The functions whose errors and throttles are watched. */
  readonly functions: readonly SurveyFunction[];
  /** Who is e-mailed when an alarm fires. @default nobody: subscribe to the topic by hand (synth warns) */
  readonly email?: string;
}

/**
 * The alarms an operator must hear about, all notifying one SNS topic (encrypted, TLS only), with an e-mail
 * subscription when an address is given: a message in the dead-letter queue, any function error or throttle, and
 * an ingest message older than the queue's visibility timeout (it failed once, or waits behind a backlog).
 */
export class Alarms extends Construct {
  /** The topic every alarm notifies. */
  readonly topic: sns.Topic;
  /** Every alarm, by construct id. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  /** Creates the topic, its key, the subscription and the alarms. */
  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // SNS's AWS-managed key does not let CloudWatch publish to the topic, so the topic has a key of its own.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the survey pipeline alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    else {
      Annotations.of(this).addWarningV2(
        'survey:no-alarm-email',
        'no -c alarmEmail=<address>: alarms notify the topic, which nobody is subscribed to',
      );
    }

    const alarms = new Map<string, cloudwatch.Alarm>();
    const alarm = (alarmId: string, metric: cloudwatch.Metric, description: string, threshold = 1) => {
      const created = metric.createAlarm(this, alarmId, {
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      alarms.set(alarmId, created);
    };

    const { ingest } = props;
    alarm(
      'DeadLetter',
      ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'An uploaded wave failed to ingest repeatedly: its S3 event is in the dead-letter queue',
    );
    alarm(
      'OldestMessage',
      ingest.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'An upload has waited longer than one visibility timeout to be ingested: it failed once, or a backlog built up',
      ingest.visibilityTimeout.toSeconds(),
    );
    for (const fn of props.functions) {
      const name = fn.node.id.replace(/Function$/, '');
      const period = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
      alarm(`${name}Errors`, fn.metricErrors(period), `The ${name} function failed (error or timeout)`);
      alarm(`${name}Throttles`, fn.metricThrottles(period), `The ${name} function was throttled`);
    }
    this.alarms = alarms;
  }
}
