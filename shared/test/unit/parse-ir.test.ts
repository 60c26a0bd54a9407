import { describe, expect, it } from 'vitest';
import { isFlowError } from '../../src/errors/flow-error.ts';
import { checkIr, parseIr, type IrIssue } from '../../src/ir/parse-ir.ts';

const connectorId = '11111111-1111-4111-8111-111111111111';
const datasetId = '22222222-2222-4222-8222-222222222222';

const source = { id: 'src', type: 'source', kind: 's3_csv', connectorId, keyPrefix: 'incoming/' };
const transform = { id: 'clean', type: 'transform', steps: [{ op: 'trim', fields: ['email'] }] };
const validate = { id: 'check', type: 'validate', fields: { email: [{ rule: 'email' }] } };
const target = { id: 'load', type: 'target', datasetId, loadMode: 'upsert', keyFields: ['email'] };

function documentWith(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    irVersion: '1.0',
    nodes: [source, transform, validate, target],
    edges: [
      ['src', 'clean'],
      ['clean', 'check'],
      ['check', 'load'],
    ],
    errorHandling: {},
    ...overrides,
  };
}

/** Returns the issues of a document that must fail validation. */
function issuesOf(document: unknown): IrIssue[] {
  const result = checkIr(document);
  if (result.ok) throw new Error('expected checkIr to reject the document, but it was accepted');
  return result.issues;
}

describe('checkIr valid document', () => {
  it('checkIr orders the path', () => {
    const result = checkIr(documentWith());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ir.source.id).toBe('src');
    expect(result.ir.transforms.map((node) => node.id)).toEqual(['clean']);
    expect(result.ir.validates.map((node) => node.id)).toEqual(['check']);
    expect(result.ir.target.id).toBe('load');
  });

  it('checkIr fills source defaults', () => {
    const ir = parseIr(documentWith());
    expect(ir.source).toEqual({
      id: 'src',
      type: 'source',
      kind: 's3_csv',
      connectorId,
      keyPrefix: 'incoming/',
      glob: '**/*.csv',
      archivePrefix: '_archive/',
      csv: { delimiter: ',', quote: '"', escape: '"', header: true, encoding: 'utf8', nullMarkers: [''] },
    });
  });

  it('checkIr fills target and error defaults', () => {
    const ir = parseIr(documentWith());
    expect(ir.target.emptySourceGuard).toBe(true);
    expect(ir.errorHandling).toEqual({
      onRowError: 'quarantine',
      maxErrorRatio: 0.1,
      retry: { maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 30_000 },
    });
  });

  it('checkIr stores nodes in path order', () => {
    const ir = parseIr(documentWith({ nodes: [target, validate, source, transform] }));
    expect(ir.document.nodes.map((node) => (node as { id: string }).id)).toEqual(['src', 'clean', 'check', 'load']);
  });

  it('checkIr accepts source straight to target', () => {
    const ir = parseIr(documentWith({ nodes: [source, target], edges: [['src', 'load']] }));
    expect(ir.transforms).toEqual([]);
    expect(ir.validates).toEqual([]);
  });

  it('checkIr accepts a CDC mirror', () => {
    const cdc = { id: 'cdc', type: 'source', kind: 'cdc_topic', topic: 'pg.public.orders' };
    const mirror = { id: 'load', type: 'target', datasetId, loadMode: 'cdc_mirror' };
    expect(checkIr(documentWith({ nodes: [cdc, mirror], edges: [['cdc', 'load']] })).ok).toBe(true);
  });
});

describe('checkIr rejections', () => {
  it('checkIr rejects a wrong irVersion', () => {
    expect(issuesOf(documentWith({ irVersion: '2.0' }))).toEqual([{ path: 'irVersion', message: 'irVersion must be "1.0"' }]);
  });

  it('checkIr rejects unknown top-level keys', () => {
    const issues = issuesOf(documentWith({ name: 'orders' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('');
    expect(issues[0]!.message).toContain('name');
  });

  it('checkIr rejects unknown node keys', () => {
    const issues = issuesOf(documentWith({ nodes: [{ ...source, bucket: 'drops' }, transform, validate, target] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.nodeId).toBe('src');
    expect(issues[0]!.path).toBe('nodes.0');
    expect(issues[0]!.message).toContain('bucket');
  });

  it('checkIr rejects an unknown node type', () => {
    const issues = issuesOf(documentWith({ nodes: [source, { id: 'x', type: 'filter' }, validate, target] }));
    expect(issues).toEqual([{ path: 'nodes.1.type', nodeId: 'x', message: 'node type "filter" is not one of source, transform, validate, target' }]);
  });

  it('checkIr names the field in a node', () => {
    const issues = issuesOf(documentWith({ nodes: [source, transform, validate, { ...target, loadMode: 'merge' }] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.nodeId).toBe('load');
    expect(issues[0]!.path).toBe('nodes.3.loadMode');
  });

  it('checkIr rejects a duplicate id', () => {
    const issues = issuesOf(documentWith({ nodes: [source, transform, { ...validate, id: 'clean' }, target] }));
    expect(issues).toEqual([{ path: 'nodes.2.id', nodeId: 'clean', message: 'node id "clean" is used twice' }]);
  });

  it('checkIr rejects two sources', () => {
    const second = { ...source, id: 'src2' };
    const issues = issuesOf(documentWith({ nodes: [source, second, target], edges: [['src', 'load'], ['src2', 'load']] }));
    expect(issues).toEqual([{ path: 'nodes', nodeId: 'src2', message: 'IR 1.0 needs exactly one source node, found 2' }]);
  });

  it('checkIr rejects two targets', () => {
    const second = { ...target, id: 'load2' };
    const issues = issuesOf(documentWith({ nodes: [source, target, second], edges: [['src', 'load'], ['load', 'load2']] }));
    expect(issues).toEqual([{ path: 'nodes', nodeId: 'load2', message: 'IR 1.0 needs exactly one target node, found 2' }]);
  });

  it('checkIr rejects a missing target', () => {
    const issues = issuesOf(documentWith({ nodes: [source, transform], edges: [['src', 'clean']] }));
    expect(issues).toEqual([{ path: 'nodes', message: 'IR 1.0 needs exactly one target node, found 0' }]);
  });

  it('checkIr rejects a cycle', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'clean'], ['clean', 'check'], ['check', 'clean']] }));
    expect(issues).toEqual([{ path: 'edges', nodeId: 'clean', message: 'edges form a cycle through node "clean"' }]);
  });

  it('checkIr rejects transform after validate', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'check'], ['check', 'clean'], ['clean', 'load']] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('edges');
    expect(issues[0]!.nodeId).toBe('clean');
    expect(issues[0]!.message).toBe(
      'transform node "clean" follows validate node "check"; the order must be source -> transform* -> validate* -> target',
    );
  });

  it('checkIr rejects a node off the path', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'clean'], ['clean', 'load']] }));
    expect(issues).toEqual([{ path: 'nodes', nodeId: 'check', message: 'node "check" is not on the path from the source to the target' }]);
  });

  it('checkIr rejects a path that stops early', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'clean'], ['check', 'load']] }));
    expect(issues[0]).toEqual({ path: 'edges', nodeId: 'clean', message: 'the path from the source ends at "clean", not at the target node' });
  });

  it('checkIr rejects an edge to a missing node', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'clean'], ['clean', 'check'], ['check', 'lod']] }));
    expect(issues).toEqual([{ path: 'edges.2.1', message: 'edge names node "lod", which does not exist' }]);
  });

  it('checkIr rejects branching', () => {
    const issues = issuesOf(documentWith({ edges: [['src', 'clean'], ['src', 'check'], ['clean', 'load'], ['check', 'load']] }));
    expect(issues).toEqual([{ path: 'edges.1', nodeId: 'src', message: 'node "src" has more than one outgoing edge; IR 1.0 allows one path' }]);
  });

  it('checkIr rejects upsert without keyFields', () => {
    const issues = issuesOf(documentWith({ nodes: [source, transform, validate, { ...target, keyFields: [] }] }));
    expect(issues).toEqual([{ path: 'target.keyFields', nodeId: 'load', message: 'loadMode "upsert" needs keyFields, the columns that identify a row' }]);
  });

  it('checkIr rejects watermark without column', () => {
    const incremental = { id: 'load', type: 'target', datasetId, loadMode: 'incremental_watermark' };
    const issues = issuesOf(documentWith({ nodes: [source, transform, validate, incremental] }));
    expect(issues).toEqual([{ path: 'target.watermarkColumn', nodeId: 'load', message: 'loadMode "incremental_watermark" needs watermarkColumn' }]);
  });

  it('checkIr rejects cdc_mirror from S3', () => {
    const mirror = { id: 'load', type: 'target', datasetId, loadMode: 'cdc_mirror' };
    const issues = issuesOf(documentWith({ nodes: [source, transform, validate, mirror] }));
    expect(issues).toEqual([{ path: 'target.loadMode', nodeId: 'load', message: 'loadMode "cdc_mirror" needs a source of kind "cdc_topic"' }]);
  });

  it('checkIr rejects a CDC source into truncate', () => {
    const cdc = { id: 'cdc', type: 'source', kind: 'cdc_topic', topic: 'pg.public.orders' };
    const truncate = { id: 'load', type: 'target', datasetId, loadMode: 'truncate' };
    const issues = issuesOf(documentWith({ nodes: [cdc, truncate], edges: [['cdc', 'load']] }));
    expect(issues).toEqual([{ path: 'target.loadMode', nodeId: 'load', message: 'a "cdc_topic" source needs loadMode "cdc_mirror", not "truncate"' }]);
  });
});

describe('parseIr', () => {
  it('parseIr throws IR_INVALID with details', () => {
    let thrown: unknown;
    try {
      parseIr(documentWith({ nodes: [source, transform, validate, { ...target, keyFields: [] }] }));
    } catch (error) {
      thrown = error;
    }
    expect(isFlowError(thrown)).toBe(true);
    if (!isFlowError(thrown)) return;
    expect(thrown.code).toBe('IR_INVALID');
    expect(thrown.message).toBe(
      'Invalid IR at node "load" (target.keyFields): loadMode "upsert" needs keyFields, the columns that identify a row.',
    );
    expect(thrown.details).toEqual({ issues: [expect.objectContaining({ nodeId: 'load' })] });
  });

  it('parseIr counts further problems', () => {
    const badNodes = [{ ...source, id: '' }, { id: 'x', type: 'filter' }, { ...target, extra: 1 }];
    expect(() => parseIr(documentWith({ nodes: badNodes }))).toThrow(/\(and 2 more problems\)\.$/);
  });
});
