import { describe, expect, it } from 'vitest';
import { decodeS3Key, parseS3Notification, s3EventIdentity, s3RunRequestId, type S3Event } from '../../src/s3/s3-event.ts';

function awsRecord(overrides: { eventName?: string; key?: string } = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-12-04T09:30:00.000Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: 'drops', arn: 'arn:aws:s3:::drops' },
      object: {
        key: overrides.key ?? 'incoming/M%C3%A4rz+report.csv',
        size: 1024,
        eTag: '"0123456789abcdef"',
        versionId: 'v-1',
        sequencer: '0062F3A1B2C3D4E5F6',
      },
    },
  };
}

const baseEvent: S3Event = {
  eventName: 'ObjectCreated:Put',
  eventTime: '2026-12-04T09:30:00.000Z',
  bucket: 'drops',
  key: 'incoming/a.csv',
  etag: 'abc',
  versionId: 'v-1',
  sequencer: '0001',
};

describe('decodeS3Key', () => {
  it('decodeS3Key turns plus into space', () => {
    expect(decodeS3Key('my+file.csv')).toBe('my file.csv');
  });

  it('decodeS3Key decodes %2B to plus', () => {
    expect(decodeS3Key('a%2Bb.csv')).toBe('a+b.csv');
  });

  it('decodeS3Key decodes UTF-8 sequences', () => {
    expect(decodeS3Key('M%C3%A4rz.csv')).toBe('März.csv');
  });

  it('decodeS3Key keeps slashes and plain keys', () => {
    expect(decodeS3Key('incoming/2026/orders.csv')).toBe('incoming/2026/orders.csv');
  });

  it('decodeS3Key rejects a bare percent', () => {
    expect(decodeS3Key('100%')).toBeUndefined();
  });

  it('decodeS3Key rejects invalid UTF-8', () => {
    expect(decodeS3Key('%C3')).toBeUndefined();
  });
});

describe('parseS3Notification', () => {
  it('parseS3Notification decodes an AWS record', () => {
    const parsed = parseS3Notification(JSON.stringify({ Records: [awsRecord()] }));
    expect(parsed).toEqual({
      kind: 'records',
      records: [
        {
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-12-04T09:30:00.000Z',
          bucket: 'drops',
          key: 'incoming/März report.csv',
          rawKey: 'incoming/M%C3%A4rz+report.csv',
          size: 1024,
          etag: '0123456789abcdef',
          versionId: 'v-1',
          sequencer: '0062F3A1B2C3D4E5F6',
        },
      ],
    });
  });

  it('parseS3Notification accepts a moto-style record', () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'drops' }, object: { key: 'in/100%.csv', size: 0 } } }],
    });
    expect(parseS3Notification(body)).toEqual({
      kind: 'records',
      records: [{ eventName: 'ObjectCreated:Put', eventTime: '', bucket: 'drops', key: 'in/100%.csv', rawKey: 'in/100%.csv', size: 0 }],
    });
  });

  it('parseS3Notification recognises s3:TestEvent', () => {
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-04T09:00:00Z', Bucket: 'drops' });
    expect(parseS3Notification(body)).toEqual({ kind: 'test' });
  });

  it('parseS3Notification drops non-create events', () => {
    const body = JSON.stringify({
      Records: [
        awsRecord({ eventName: 'ObjectRemoved:Delete', key: 'gone.csv' }),
        awsRecord({ eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'big.csv' }),
        awsRecord({ eventName: 'ObjectRestore:Completed', key: 'restored.csv' }),
      ],
    });
    const parsed = parseS3Notification(body);
    expect(parsed.kind).toBe('records');
    expect(parsed.kind === 'records' ? parsed.records.map((record) => record.key) : []).toEqual(['big.csv']);
  });

  it('parseS3Notification throws on invalid JSON', () => {
    expect(() => parseS3Notification('{"Records": [')).toThrow(SyntaxError);
  });

  it('parseS3Notification throws on other shapes', () => {
    expect(() => parseS3Notification(JSON.stringify({ Message: 'hello' }))).toThrow();
    expect(() => parseS3Notification(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }))).toThrow();
  });
});

describe('s3EventIdentity', () => {
  it('s3EventIdentity is stable for one event', () => {
    expect(s3EventIdentity({ ...baseEvent })).toBe(s3EventIdentity({ ...baseEvent }));
  });

  it('s3EventIdentity falls back to etag and event time', () => {
    const withoutVersion: S3Event = { eventName: 'ObjectCreated:Put', eventTime: 't1', bucket: 'b', key: 'k', etag: 'e' };
    expect(s3EventIdentity(withoutVersion)).toBe(['b', 'k', 'e', 't1'].join('\u0000'));
  });
});

describe('s3RunRequestId', () => {
  it('s3RunRequestId maps redeliveries to one id', () => {
    const first = s3RunRequestId('pipeline-1', { ...baseEvent });
    const second = s3RunRequestId('pipeline-1', { ...baseEvent });
    expect(first).toBe(second);
    expect(first).toMatch(/^s3-[0-9a-f]{40}$/);
  });

  it('s3RunRequestId differs by pipeline', () => {
    expect(s3RunRequestId('pipeline-2', baseEvent)).not.toBe(s3RunRequestId('pipeline-1', baseEvent));
  });

  it('s3RunRequestId differs by sequencer', () => {
    expect(s3RunRequestId('p', { ...baseEvent, sequencer: '0002' })).not.toBe(s3RunRequestId('p', baseEvent));
  });

  it('s3RunRequestId differs by etag', () => {
    const noVersion = { ...baseEvent, versionId: undefined };
    expect(s3RunRequestId('p', { ...noVersion, etag: 'def' })).not.toBe(s3RunRequestId('p', noVersion));
  });

  it('s3RunRequestId differs by version', () => {
    expect(s3RunRequestId('p', { ...baseEvent, versionId: 'v-2' })).not.toBe(s3RunRequestId('p', baseEvent));
  });

  it('s3RunRequestId differs by event time', () => {
    const noSequencer = { ...baseEvent, sequencer: undefined };
    expect(s3RunRequestId('p', { ...noSequencer, eventTime: '2026-12-04T09:31:00.000Z' })).not.toBe(s3RunRequestId('p', noSequencer));
  });
});
