import type { S3Client } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import { raiseAlert } from '@flow/shared/alerts/alert-store';
import type { FlowConfig } from '@flow/shared/config/env';
import type { FlowTopics } from '@flow/shared/kafka/topics';
import { loadConnectorWithSecrets } from '@flow/shared/connectors/connector-store';
import { connectS3 } from '@flow/shared/connectors/s3-connector';
import { requireDataset } from '@flow/shared/datasets/dataset-store';
import { inTransaction, type Pool } from '@flow/shared/db/pool';
import { runBatchLoad, type BatchLoadResult, type RejectedRow } from '@flow/shared/engine/batch-load';
import { createLoadProgress, type LoadProgress } from '@flow/shared/engine/load-progress';
import { listSourceObjects, type SourceObject } from '@flow/shared/engine/sources/s3-csv-source';
import { flowError, streamingDisabled } from '@flow/shared/errors/catalog';
import { isFlowError } from '@flow/shared/errors/flow-error';
import { isTransientError, withRetry } from '@flow/shared/errors/retry';
import { parseIr, type PipelineIr } from '@flow/shared/ir/parse-ir';
import type { S3CsvSourceNode } from '@flow/shared/ir/schema';
import { LogField, type Logger } from '@flow/shared/logging/logger';
import { getIrVersion, getPipeline, type Pipeline } from '@flow/shared/pipelines/pipeline-store';
import type { RunRequest } from '@flow/shared/runs/run-request';
import { recordRunRequest, type Run } from '@flow/shared/runs/run-store';
import { archiveKeyOf, archiveObject } from './archive-objects.ts';
import { publishRunEvent } from './run-events.ts';
import type { RunnerMetrics } from './runner-metrics.ts';

export interface ExecutorDeps {
  config: FlowConfig;
  topics: FlowTopics;
  pool: Pool;
  producer: Producer;
  logger: Logger;
  metrics: RunnerMetrics;
}

type Outcome =
  | { status: 'succeeded'; result: BatchLoadResult; archived: number }
  | { status: 'skipped'; reason: string }
  | { status: 'empty'; guarded: boolean };

const terminalStatuses = new Set(['succeeded', 'failed', 'skipped']);

/**
 * Executes one run request to its end. A request seen before is acknowledged without
 * running again when its run finished, and restarted when it was interrupted. Data errors
 * end the run as failed; transient errors retry with backoff, then fail the run.
 */
export async function executeRunRequest(deps: ExecutorDeps, request: RunRequest): Promise<Run['status'] | 'pipeline_missing'> {
  // A request for a pipeline of no tenant (deleted, or never there) can have no run row.
  const owner = await getPipeline(deps.pool, request.tenantId, request.pipelineId);
  if (!owner) return 'pipeline_missing';
  const run = await recordRunRequest(deps.pool, request);
  const logger = deps.logger.child({
    [LogField.tenant]: request.tenantId,
    [LogField.pipeline]: request.pipelineId,
    [LogField.run]: run.id,
    [LogField.request]: request.requestId,
  });
  if (terminalStatuses.has(run.status)) {
    logger.info({ status: run.status }, 'run already finished; request acknowledged without running again');
    return run.status;
  }
  if (run.status === 'running') logger.warn({ attempt: run.attempt }, 'restarting interrupted run');

  const pipeline = owner;

  await deps.pool.query(
    `UPDATE flow.runs SET status = 'running', attempt = attempt + 1, started_at = clock_timestamp(), ir_version = $2,
            error_code = NULL, error_message = NULL WHERE id = $1`,
    [run.id, pipeline.currentIrVersion],
  );
  await publishRunEvent(deps.producer, deps.topics.runEvents, { runId: run.id, tenantId: run.tenantId, pipelineId: run.pipelineId, status: 'running', at: new Date().toISOString() }, logger);
  logger.info({ ir_version: pipeline.currentIrVersion, trigger: request.trigger }, 'run started');
  const started = performance.now();

  let ir: PipelineIr | undefined;
  try {
    ir = parseIr((await getIrVersion(deps.pool, pipeline.id, pipeline.currentIrVersion))?.ir);
    const policy = ir.errorHandling.retry;
    const runIr = ir;
    const outcome = await withRetry(
      () => executeOnce(deps, { run, request, pipeline, ir: runIr, logger }),
      { maxAttempts: policy.maxAttempts, initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs },
      async (error, attempt, delayMs) => {
        deps.metrics.retries.inc();
        logger.debug({ err: error, attempt, retry_in_ms: delayMs }, 'transient run failure; retrying');
        await deps.pool.query('UPDATE flow.runs SET attempt = attempt + 1 WHERE id = $1', [run.id]);
      },
    );
    const elapsedMs = Math.round(performance.now() - started);
    deps.metrics.runDuration.observe(elapsedMs / 1000);
    if (outcome.status === 'empty') {
      if (outcome.guarded) {
        await finishFailed(deps, run, pipeline, emptySourceError(pipeline, ir.source as S3CsvSourceNode), logger, true);
        return 'failed';
      }
      await finishPlain(deps, run, 'succeeded', logger, 'source had no objects; nothing to load');
      return 'succeeded';
    }
    if (outcome.status === 'skipped') {
      await finishPlain(deps, run, 'skipped', logger, outcome.reason);
      return 'skipped';
    }
    deps.metrics.runs.inc({ status: 'succeeded' });
    deps.metrics.rows.inc({ outcome: 'written' }, outcome.result.rowsWritten);
    deps.metrics.rows.inc({ outcome: 'quarantined' }, outcome.result.rowsQuarantined);
    logger.info(
      {
        rows_read: outcome.result.rowsRead,
        rows_written: outcome.result.rowsWritten,
        rows_quarantined: outcome.result.rowsQuarantined,
        rows_superseded: outcome.result.rowsSuperseded,
        objects: outcome.result.objects.length,
        elapsed_ms: elapsedMs,
      },
      'run succeeded',
    );
    await publishRunEvent(deps.producer, deps.topics.runEvents, {
      runId: run.id,
      tenantId: run.tenantId,
      pipelineId: run.pipelineId,
      status: 'succeeded',
      at: new Date().toISOString(),
      rowsRead: outcome.result.rowsRead,
      rowsWritten: outcome.result.rowsWritten,
      rowsQuarantined: outcome.result.rowsQuarantined,
    }, logger);
    return 'succeeded';
  } catch (error) {
    await finishFailed(deps, run, pipeline, error, logger);
    return 'failed';
  }
}

async function executeOnce(
  deps: ExecutorDeps,
  job: { run: Run; request: RunRequest; pipeline: Pipeline; ir: PipelineIr; logger: Logger },
): Promise<Outcome> {
  const { run, request, pipeline, ir, logger } = job;
  if (ir.target.loadMode === 'cdc_mirror' || ir.source.kind !== 's3_csv') {
    if (!deps.config.FLOW_STREAMING_ENABLED) throw streamingDisabled(pipeline.name);
    throw flowError('TARGET_INVALID', `Pipeline "${pipeline.name}" mirrors a CDC topic continuously; it has no batch runs.`);
  }
  const source = ir.source;
  const dataset = await requireDataset(deps.pool, pipeline.tenantId, ir.target.datasetId);
  const { connector, secrets } = await loadConnectorWithSecrets(deps.pool, deps.config, pipeline.tenantId, source.connectorId);
  const s3 = await connectS3(deps.config, connector.config, secrets);
  try {
    // Phase 1: list what to read, and set aside objects an earlier run already committed.
    const listed = request.replayOf
      ? await archivedObjectsOf(deps.pool, request.replayOf, connector.config.bucket)
      : await listSourceObjects(s3, connector.config.bucket, source);
    const committed = request.replayOf ? new Set<string>() : await committedObjectKeys(deps.pool, pipeline.id, listed);
    const pending = listed.filter((object) => !committed.has(identityOf(object)));
    const leftovers = listed.filter((object) => committed.has(identityOf(object)));
    if (leftovers.length > 0) {
      // An earlier run committed these rows but stopped before archiving the files.
      await archiveLoaded(deps.pool, s3, source, leftovers, pipeline.id, logger);
    }
    if (pending.length === 0) {
      if (leftovers.length > 0 || (await triggerAlreadyLoaded(deps.pool, pipeline.id, request))) {
        return { status: 'skipped', reason: 'already loaded: the triggering object was loaded by an earlier run' };
      }
      return { status: 'empty', guarded: ir.target.emptySourceGuard };
    }

    // Phase 2: load every pending object in one transaction; the run row commits with the rows.
    await deps.pool.query('DELETE FROM flow.dead_letter_rows WHERE run_id = $1', [run.id]);
    await deps.pool.query('UPDATE flow.runs SET rows_read = 0, bytes_read = 0, objects_read = $2, bytes_total = $3 WHERE id = $1', [
      run.id,
      pending.length,
      pending.reduce((sum, object) => sum + object.size, 0),
    ]);
    const progress = createLoadProgress();
    const stopReporting = reportProgress(deps.pool, run.id, progress, logger);
    const loadStarted = performance.now();
    const loadInTransaction = () => inTransaction(deps.pool, async (client) => {
      const loaded = await runBatchLoad({
        client,
        s3,
        objects: pending,
        ir,
        dataset,
        chunkBytes: deps.config.FLOW_COPY_CHUNK_BYTES,
        pipelineId: pipeline.id,
        runId: run.id,
        quarantine: (rows) => storeRejectedRows(deps.pool, run, rows),
        emptySource: (detail) => emptySourceError(pipeline, source, detail),
        progress,
      });
      // A replay reads archived copies, which its original run has already recorded. Recording them
      // again would violate the (pipeline, bucket, key, etag) unique key on the second replay.
      const recorded = request.replayOf ? [] : loaded.objects;
      for (const item of recorded) {
        await client.query(
          `INSERT INTO flow.source_objects (tenant_id, pipeline_id, run_id, bucket, key, etag, size_bytes, rows_read)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [pipeline.tenantId, pipeline.id, run.id, item.object.bucket, item.object.key, item.object.etag, item.object.size, item.rowsRead],
        );
      }
      await client.query(
        `UPDATE flow.runs SET status = 'succeeded', finished_at = clock_timestamp(), rows_read = $2, rows_written = $3,
                rows_quarantined = $4, rows_skipped = $5, rows_superseded = $6, objects_read = $7, bytes_read = $8,
                stage_timings = $9, rows_unchanged = $10, rows_filtered = $11, rows_below_watermark = $12 WHERE id = $1`,
        [
          run.id,
          loaded.rowsRead,
          loaded.rowsWritten,
          loaded.rowsQuarantined,
          loaded.rowsSkipped,
          loaded.rowsSuperseded,
          loaded.objects.length,
          pending.reduce((sum, object) => sum + object.size, 0),
          JSON.stringify({ stageMs: loaded.timings.stageMs, mergeMs: loaded.timings.mergeMs }),
          loaded.rowsUnchanged,
          loaded.rowsFiltered,
          loaded.rowsBelowWatermark,
        ],
      );
      return loaded;
    });
    const result = await loadOrSetAside(loadInTransaction, { s3, source, pending, runId: run.id, replay: Boolean(request.replayOf), logger }).finally(
      stopReporting,
    );
    const loadMs = Math.round(performance.now() - loadStarted);

    // Phase 3: archive after commit; a failure here leaves the rows committed and the files for the next run to archive.
    const archiveStarted = performance.now();
    let archived = 0;
    try {
      if (!request.replayOf) archived = await archiveLoaded(deps.pool, s3, source, pending, pipeline.id, logger);
    } catch (error) {
      logger.error({ err: error }, 'archiving loaded objects failed; the next run of this pipeline archives them');
    }
    await deps.pool.query(
      `UPDATE flow.runs SET stage_timings = stage_timings || $2::jsonb WHERE id = $1`,
      [run.id, JSON.stringify({ loadMs, archiveMs: Math.round(performance.now() - archiveStarted) })],
    );
    return { status: 'succeeded', result, archived };
  } finally {
    s3.destroy();
  }
}

/** Interval of the progress updates a running load writes to its run row, in milliseconds. */
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * Writes the load's running counts to the run row every second, on a pooled client outside the
 * load's transaction so that readers see them at once. The status condition keeps a late update
 * from overwriting the final counts. Returns the function that stops the updates.
 */
function reportProgress(pool: Pool, runId: string, progress: LoadProgress, logger: Logger): () => void {
  let writing = false;
  const timer = setInterval(() => {
    if (writing) return;
    writing = true;
    pool
      .query(`UPDATE flow.runs SET rows_read = $2, bytes_read = $3 WHERE id = $1 AND status = 'running'`, [runId, progress.rowsRead, progress.bytesRead])
      .catch((error: unknown) => logger.debug({ err: error }, 'run progress update failed'))
      .finally(() => {
        writing = false;
      });
  }, PROGRESS_INTERVAL_MS);
  return () => clearInterval(timer);
}

/**
 * Errors that make a file unreadable whatever the IR contains; moving such a file aside unblocks
 * later runs. Rows that break the IR's rules leave their file in place, because the fix may
 * be a change to the IR followed by a new run.
 */
const objectErrorCodes = new Set(['CSV_MALFORMED']);

/**
 * Runs the load. When it fails on the contents of one object, that object is moved under
 * `<archivePrefix>failed/<run id>/`, so that the files after it load on the next run instead of
 * failing on it again and again. The error then names where the file went.
 */
async function loadOrSetAside<T>(
  load: () => Promise<T>,
  job: { s3: S3Client; source: S3CsvSourceNode; pending: SourceObject[]; runId: string; replay: boolean; logger: Logger },
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (job.replay || !isFlowError(error) || !objectErrorCodes.has(error.code)) throw error;
    const details = (error.details ?? {}) as { key?: unknown; keys?: unknown };
    const keys = new Set<unknown>(Array.isArray(details.keys) ? details.keys : [details.key]);
    const objects = job.pending.filter((candidate) => keys.has(candidate.key));
    if (objects.length === 0) throw error;

    const moved: string[] = [];
    for (const object of objects) {
      const failedKey = `${job.source.archivePrefix}failed/${job.runId}/${object.key}`;
      try {
        await archiveObject(job.s3, object, failedKey);
        moved.push(`s3://${object.bucket}/${failedKey}`);
        job.logger.warn({ [LogField.key]: object.key, failed_key: failedKey }, 'rejected file moved aside');
      } catch (moveError) {
        job.logger.error({ err: moveError, [LogField.key]: object.key }, 'moving a rejected file aside failed; it stays under the prefix');
      }
    }
    if (moved.length === 0) throw error;
    const destination = moved.length === 1 ? `The file was moved to ${moved[0]}` : `The files were moved to ${moved.join(', ')}`;
    throw flowError(
      'CSV_MALFORMED',
      `${error.message.replace(/ (then )?[Ff]ix the file( \(or the IR\))? and upload it again\.$/, '')} ${destination} so that later runs can go on; fix ${moved.length === 1 ? 'it' : 'them'} and upload again.`,
      { details: { ...details, movedTo: moved }, cause: error },
    );
  }
}

function identityOf(object: SourceObject): string {
  return `${object.key}\u0000${object.etag}`;
}

async function committedObjectKeys(pool: Pool, pipelineId: string, objects: SourceObject[]): Promise<Set<string>> {
  if (objects.length === 0) return new Set();
  const result = await pool.query<{ key: string; etag: string }>(
    `SELECT key, etag FROM flow.source_objects
      WHERE pipeline_id = $1 AND (key, etag) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [pipelineId, objects.map((object) => object.key), objects.map((object) => object.etag)],
  );
  return new Set(result.rows.map((row) => `${row.key}\u0000${row.etag}`));
}

async function triggerAlreadyLoaded(pool: Pool, pipelineId: string, request: RunRequest): Promise<boolean> {
  const object = request.s3Object;
  if (!object) return false;
  const result = await pool.query(
    `SELECT 1 FROM flow.source_objects WHERE pipeline_id = $1 AND bucket = $2 AND key = $3 AND ($4::text IS NULL OR etag = $4) LIMIT 1`,
    [pipelineId, object.bucket, object.key, object.etag ?? null],
  );
  return (result.rowCount ?? 0) > 0;
}

async function archivedObjectsOf(pool: Pool, runId: string, bucket: string): Promise<SourceObject[]> {
  const result = await pool.query<{ key: string; etag: string; size: string; archivedKey: string | null; loadedAt: Date }>(
    `SELECT key, etag, size_bytes AS size, archived_key AS "archivedKey", loaded_at AS "loadedAt"
       FROM flow.source_objects WHERE run_id = $1 ORDER BY id`,
    [runId],
  );
  return result.rows.map((row) => {
    if (!row.archivedKey) {
      throw flowError('SOURCE_EMPTY', `Object "${row.key}" of run ${runId} was never archived, so it cannot be replayed.`);
    }
    return { bucket, key: row.archivedKey, etag: row.etag, size: Number(row.size), lastModified: row.loadedAt };
  });
}

async function archiveLoaded(
  pool: Pool,
  s3: S3Client,
  source: S3CsvSourceNode,
  objects: SourceObject[],
  pipelineId: string,
  logger: Logger,
): Promise<number> {
  for (const object of objects) {
    const owner = await pool.query<{ runId: string }>(
      'SELECT run_id AS "runId" FROM flow.source_objects WHERE pipeline_id = $1 AND key = $2 AND etag = $3',
      [pipelineId, object.key, object.etag],
    );
    const runId = owner.rows[0]?.runId ?? 'unknown';
    const archiveKey = archiveKeyOf(source.archivePrefix, runId, object.key);
    await archiveObject(s3, object, archiveKey);
    await pool.query('UPDATE flow.source_objects SET archived_key = $4 WHERE pipeline_id = $1 AND key = $2 AND etag = $3', [
      pipelineId,
      object.key,
      object.etag,
      archiveKey,
    ]);
    logger.debug({ [LogField.key]: object.key, archive_key: archiveKey }, 'source object archived');
  }
  return objects.length;
}

async function storeRejectedRows(pool: Pool, run: Run, rows: RejectedRow[]): Promise<void> {
  await pool.query(
    `INSERT INTO flow.dead_letter_rows (tenant_id, pipeline_id, run_id, source_key, line_number, raw_row, errors)
     SELECT $1, $2, $3, item.source_key, item.line_number, item.raw_row, item.errors
       FROM unnest($4::text[], $5::bigint[], $6::jsonb[], $7::jsonb[]) AS item(source_key, line_number, raw_row, errors)`,
    [
      run.tenantId,
      run.pipelineId,
      run.id,
      rows.map((row) => row.sourceKey),
      rows.map((row) => row.lineNumber),
      rows.map((row) => JSON.stringify(row.rawRow)),
      rows.map((row) => JSON.stringify(row.errors)),
    ],
  );
}

function emptySourceError(pipeline: Pipeline, source: S3CsvSourceNode, detail = 'no objects under the prefix') {
  return flowError(
    'SOURCE_EMPTY',
    `empty source: pipeline "${pipeline.name}" found ${detail} (s3://${pipeline.sourceBucket}/${source.keyPrefix}${source.glob}); the run was aborted before changing the table. Upload a file and run again, or set target.emptySourceGuard to false.`,
    { details: { bucket: pipeline.sourceBucket, keyPrefix: source.keyPrefix, glob: source.glob } },
  );
}

async function finishPlain(deps: ExecutorDeps, run: Run, status: 'succeeded' | 'skipped', logger: Logger, reason: string): Promise<void> {
  await deps.pool.query(
    `UPDATE flow.runs SET status = $2, finished_at = clock_timestamp(), error_message = $3 WHERE id = $1`,
    [run.id, status, reason],
  );
  deps.metrics.runs.inc({ status });
  logger.info({ status, reason }, `run ${status}`);
  await publishRunEvent(deps.producer, deps.topics.runEvents, { runId: run.id, tenantId: run.tenantId, pipelineId: run.pipelineId, status, at: new Date().toISOString() }, logger);
}

/** Records a failed run and raises its alerts. Throws only when even that fails, so Kafka redelivers. */
async function finishFailed(
  deps: ExecutorDeps,
  run: Run,
  pipeline: Pipeline | undefined,
  error: unknown,
  logger: Logger,
  emptySource = false,
): Promise<void> {
  const code = isFlowError(error) ? error.code : isTransientError(error) ? 'RETRIES_EXHAUSTED' : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const isEmpty = emptySource || code === 'SOURCE_EMPTY';
  const name = pipeline?.name ?? run.pipelineId;

  // The load's transaction rolled back, so the counts come from the error and the dead-letter rows.
  const readBeforeFailing = (isFlowError(error) ? (error.details as { rowsRead?: unknown } | undefined)?.rowsRead : undefined) ?? null;
  const updated = await deps.pool.query(
    `UPDATE flow.runs SET status = 'failed', finished_at = clock_timestamp(), error_code = $2, error_message = $3,
            rows_read = COALESCE($4, rows_read), rows_written = 0,
            rows_quarantined = (SELECT count(*) FROM flow.dead_letter_rows WHERE run_id = $1)
      WHERE id = $1 AND status <> 'succeeded'`,
    [run.id, code, message, typeof readBeforeFailing === 'number' ? readBeforeFailing : null],
  );
  if ((updated.rowCount ?? 0) === 0) {
    // The rows committed before this error, so the run keeps its success and raises no alert.
    logger.error({ err: error, error_code: code }, 'error after the run committed; the run stays succeeded');
    return;
  }
  if (isEmpty) {
    await raiseAlert(deps.pool, {
      tenantId: run.tenantId,
      severity: 'warning',
      source: 'runner',
      message: `Source of pipeline "${name}" had no data to load`,
      pipelineId: run.pipelineId,
      runId: run.id,
    });
  }
  await raiseAlert(deps.pool, {
    tenantId: run.tenantId,
    severity: 'error',
    source: 'runner',
    message: `Run of pipeline "${name}" failed: ${code}`,
    pipelineId: run.pipelineId,
    runId: run.id,
    details: { error: message },
  });
  deps.metrics.runs.inc({ status: 'failed' });
  deps.metrics.failures.inc({ stage: isEmpty ? 'source' : 'load', code });
  if (isEmpty) logger.warn({ error_code: code }, 'empty source guard aborted the run');
  logger.error({ err: error, error_code: code }, 'run failed');
  await publishRunEvent(deps.producer, deps.topics.runEvents, {
    runId: run.id,
    tenantId: run.tenantId,
    pipelineId: run.pipelineId,
    status: 'failed',
    at: new Date().toISOString(),
    errorCode: code,
    errorMessage: message,
  }, logger);
}
