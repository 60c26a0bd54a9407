import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteQualified } from '../../shared/src/db/quote.ts';
import { customersCsvText, customerColumns } from '../../scripts/lib/customers-csv.ts';
import { allRuns, createCustomerPipeline, putObject, startFlow, waitForFinishedRuns, type FlowHarness } from '../support/harness.ts';

let harness: FlowHarness;

beforeAll(async () => {
  harness = await startFlow();
});

afterAll(async () => {
  await harness?.stop();
});

describe('S3 drop to PostgreSQL, upsert', () => {
  it('loads an uploaded file as rows', async () => {
    const fixture = await createCustomerPipeline(harness);
    await putObject(harness, fixture.bucket, `${fixture.prefix}customers.csv`, customersCsvText(1200));

    const [run] = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId);
    expect(run!.status).toBe('succeeded');
    expect(run!.rowsRead).toBe('1200');
    expect(run!.rowsWritten).toBe('1200');
    expect(run!.irVersion).toBe(1);

    const table = quoteQualified(fixture.dataset.schemaName, fixture.dataset.tableName);
    const count = await harness.context.pool.query(`SELECT count(*) AS n FROM ${table}`);
    expect(count.rows[0].n).toBe('1200');

    const expected = customersCsvText(1200).split('\n')[7]!.split(',');
    const row = await harness.context.pool.query(`SELECT * FROM ${table} WHERE customer_id = $1`, [expected[0]]);
    customerColumns.forEach((column, index) => {
      expect(String(row.rows[0][column]), column).toBe(expected[index]);
    });
  });

  it('updates rows from a changed copy without duplicates', async () => {
    const fixture = await createCustomerPipeline(harness);
    await putObject(harness, fixture.bucket, `${fixture.prefix}customers.csv`, customersCsvText(500));
    await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 1);
    await putObject(harness, fixture.bucket, `${fixture.prefix}customers.csv`, customersCsvText(600, { revision: 1 }));
    const runs = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 2);
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);

    const table = quoteQualified(fixture.dataset.schemaName, fixture.dataset.tableName);
    const count = await harness.context.pool.query(`SELECT count(*) AS n, count(DISTINCT customer_id) AS d FROM ${table}`);
    expect(count.rows[0]).toEqual({ n: '600', d: '600' });
    const expected = customersCsvText(600, { revision: 1 }).split('\n')[1]!.split(',');
    const row = await harness.context.pool.query(`SELECT lifetime_value FROM ${table} WHERE customer_id = 1`);
    expect(row.rows[0].lifetime_value).toBe(expected[13]);
  });

  it('leaves identical rows unchanged on reload', async () => {
    const fixture = await createCustomerPipeline(harness);
    await putObject(harness, fixture.bucket, `${fixture.prefix}day-1.csv`, customersCsvText(50));
    await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 1);
    const changed = customersCsvText(50).replace(/^2,(.*),(\d+\.\d{2}),(\d+)$/m, (_line, middle: string, _value, orders: string) => `2,${middle},1.23,${orders}`);
    await putObject(harness, fixture.bucket, `${fixture.prefix}day-2.csv`, changed);
    const runs = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 2);

    expect(runs[1]!.status).toBe('succeeded');
    expect(runs[1]!.rowsRead).toBe('50');
    expect(runs[1]!.rowsWritten).toBe('1');
    expect(runs[1]!.rowsUnchanged).toBe('49');
    const table = quoteQualified(fixture.dataset.schemaName, fixture.dataset.tableName);
    const row = await harness.context.pool.query(`SELECT lifetime_value FROM ${table} WHERE customer_id = 2`);
    expect(row.rows[0].lifetime_value).toBe('1.23');
  });

  it('keeps the last row of a repeated key', async () => {
    const fixture = await createCustomerPipeline(harness);
    const lines = customersCsvText(3).trimEnd().split('\n');
    const repeated = lines[1]!.replace(/,[^,]*,[^,]*$/, ',77.70,7');
    await putObject(harness, fixture.bucket, `${fixture.prefix}dupes.csv`, [...lines, repeated, ''].join('\n'));

    const [run] = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId);
    expect(run!.status).toBe('succeeded');
    expect(run!.rowsSuperseded).toBe('1');
    expect(run!.rowsWritten).toBe('3');
    const table = quoteQualified(fixture.dataset.schemaName, fixture.dataset.tableName);
    const row = await harness.context.pool.query(`SELECT lifetime_value, orders_count FROM ${table} WHERE customer_id = 1`);
    expect(row.rows[0]).toEqual({ lifetime_value: '77.70', orders_count: 7 });
  });

  it.each([
    ['a short record', '6,Ada,Okafor', /Invalid Record Length: expect 15, got 3 on line 7/],
    ['an unclosed quote', '6,"unterminated,quote', /never closed starts on line 7/],
  ])('fails %s with its line number', async (_case, badLine, expectedMessage) => {
    const fixture = await createCustomerPipeline(harness);
    const lines = customersCsvText(10).trimEnd().split('\n');
    lines[6] = badLine;
    await putObject(harness, fixture.bucket, `${fixture.prefix}broken.csv`, `${lines.join('\n')}\n`);

    const [run] = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId);
    expect(run!.status).toBe('failed');
    expect(run!.errorCode).toBe('CSV_MALFORMED');
    expect(run!.errorMessage).toMatch(expectedMessage);
    const table = quoteQualified(fixture.dataset.schemaName, fixture.dataset.tableName);
    const count = await harness.context.pool.query(`SELECT count(*) AS n FROM ${table}`);
    expect(count.rows[0].n).toBe('0');
  });

  it('quarantines rows that fail casting', async () => {
    const fixture = await createCustomerPipeline(harness, { errorHandling: { onRowError: 'quarantine', maxErrorRatio: 0.5 } });
    const lines = customersCsvText(4).trimEnd().split('\n');
    const bad = lines[2]!.split(',');
    bad[14] = 'seven';
    lines[2] = bad.join(',');
    await putObject(harness, fixture.bucket, `${fixture.prefix}cast.csv`, `${lines.join('\n')}\n`);

    const [run] = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId);
    expect(run!.status).toBe('succeeded');
    expect(run!.rowsQuarantined).toBe('1');
    expect(run!.rowsWritten).toBe('3');
    const dead = await harness.context.pool.query('SELECT line_number, raw_row, errors FROM flow.dead_letter_rows WHERE run_id = $1', [run!.id]);
    expect(dead.rows).toHaveLength(1);
    expect(dead.rows[0].line_number).toBe('3');
    expect(dead.rows[0].raw_row.orders_count).toBe('seven');
    expect(dead.rows[0].errors[0].field).toBe('orders_count');
  });

  it('loads keys with spaces and non-ASCII characters', async () => {
    const fixture = await createCustomerPipeline(harness);
    const key = `${fixture.prefix}März Kunden + Liste (1).csv`;
    await putObject(harness, fixture.bucket, key, customersCsvText(5));

    const [run] = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId);
    expect(run!.status).toBe('succeeded');
    expect(run!.rowsWritten).toBe('5');
    const objects = await harness.context.pool.query('SELECT key, archived_key FROM flow.source_objects WHERE run_id = $1', [run!.id]);
    expect(objects.rows[0].key).toBe(key);
    expect(objects.rows[0].archived_key).toBe(`_archive/${run!.id}/${key}`);
    expect((await allRuns(harness.context.pool, fixture.pipelineId)).length).toBe(1);
  });
});
