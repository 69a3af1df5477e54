import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaEngine, convertCell, toExecutionParameter } from '../../../../core/engine/athena-engine.ts';
import type { ResultColumn } from '../../../../core/engine/query-engine.ts';

// Athena cannot run here: this is the one place a stand-in for the service is acceptable (the brief).
const athena = mockClient(AthenaClient);
const columns: ResultColumn[] = [
  { name: 'sector', type: 'string' },
  { name: 'organisations', type: 'int' },
  { name: 'spinout_share', type: 'double' },
  { name: 'is_spinout', type: 'boolean' },
];
const header = { Data: columns.map((c) => ({ VarCharValue: c.name })) };
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
});
const engine = () =>
  new AthenaEngine(new AthenaClient({ region: 'eu-west-2' }), { workgroup: 'wg', sleep: async () => {} });

beforeEach(() => athena.reset());

describe('AthenaEngine', () => {
  it('passes parameters as ExecutionParameters, never in the SQL text', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header] } });
    const sql = 'select * from responses where survey = ? and wave = ?';
    await engine().run(sql, ["uk-se'x", 2023], columns);
    const call = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(call.QueryString).toBe(sql);
    expect(call.ExecutionParameters).toEqual(["'uk-se''x'", '2023']);
    expect(call.WorkGroup).toBe('wg');
    expect(call.QueryExecutionContext?.Database).toBe('survey_lake');
  });

  it('polls until the query succeeds, then reads every page and converts types', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { Rows: [header, row('health', '12', '0.25', 'true')] }, NextToken: 't' })
      .resolves({ ResultSet: { Rows: [row('housing', '3', undefined, 'false')] } });
    const result = await engine().run('select 1', [], columns);
    expect(result.rows).toEqual([
      { sector: 'health', organisations: 12, spinout_share: 0.25, is_spinout: true },
      { sector: 'housing', organisations: 3, spinout_share: null, is_spinout: false },
    ]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(athena.commandCalls(GetQueryResultsCommand)[1]!.args[0].input.NextToken).toBe('t');
  });

  it("puts Athena's own failure reason in the error", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q3' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: 'FAILED', AthenaError: { ErrorMessage: "line 1:8: Column 'nope' cannot be resolved" } },
      },
    });
    await expect(engine().run('select nope', [], columns)).rejects.toThrow(
      "athena: query q3 failed: line 1:8: Column 'nope' cannot be resolved",
    );
  });

  it('stops a query that outlives its timeout and says so', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q4' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const slow = new AthenaEngine(new AthenaClient({ region: 'eu-west-2' }), {
      workgroup: 'wg',
      timeoutMs: 1000,
      sleep: async () => {},
    });
    await expect(slow.run('select 1', [], columns)).rejects.toThrow(/did not finish within 1 s/);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('converts cells like the DuckDB engine and refuses what it cannot read', () => {
    expect(convertCell('1.5e3', { name: 'x', type: 'double' })).toBe(1500);
    expect(convertCell(undefined, { name: 'x', type: 'int' })).toBeNull();
    expect(() => convertCell('abc', { name: 'x', type: 'int' })).toThrow(/expected a number/);
    expect(() => convertCell('yes', { name: 'x', type: 'boolean' })).toThrow(/expected a boolean/);
    expect(toExecutionParameter(2023)).toBe('2023');
  });
});
