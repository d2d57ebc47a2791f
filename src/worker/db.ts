// What the browser keeps between visits, behind one small interface: finished runs (RunRecords), resume
// checkpoints of interrupted runs, saved checkpoints of finished runs, and a few settings (the sweep in
// progress). The worker gets an IndexedDB implementation (web/shared/idb.ts); tests and browsers without
// IndexedDB get memoryDb(). sweepStore() adapts it to the runner's SweepStore, one sweep at a time.
import type { RunRecord } from '../sweep/record.ts';
import type { SweepStore } from '../sweep/runner.ts';

/** Checkpoint bytes: 'resume' (a run in progress, with AdamW moments) or 'final' (a finished run's model). */
export type BlobKind = 'resume' | 'final';

export interface BlobInfo {
  sweep: string;
  id: string;
  bytes: number;
  savedAt: string;
  /** What the bytes are, in words. */
  note: string;
}

export interface LabDb {
  /** Finished runs, of one sweep or of all, in the order they finished. */
  records(sweep?: string): Promise<RunRecord[]>;
  /** Add or replace the record with this (sweep, id). */
  putRecord(r: RunRecord): Promise<void>;
  /** Forget a sweep: its records and checkpoints of both kinds. */
  deleteSweep(sweep: string): Promise<void>;
  getBlob(kind: BlobKind, sweep: string, id: string): Promise<Uint8Array | null>;
  putBlob(
    kind: BlobKind,
    sweep: string,
    id: string,
    bytes: Uint8Array,
    note?: string,
  ): Promise<void>;
  deleteBlob(kind: BlobKind, sweep: string, id: string): Promise<void>;
  listBlobs(kind: BlobKind, sweep?: string): Promise<BlobInfo[]>;
  getMeta<T>(key: string): Promise<T | undefined>;
  putMeta(key: string, value: unknown): Promise<void>;
}

/** Records in the order their runs finished (ISO timestamps sort as strings). */
export function byFinish(rs: RunRecord[]): RunRecord[] {
  return rs.sort((a, b) =>
    a.finished_at < b.finished_at ? -1 : a.finished_at > b.finished_at ? 1 : 0,
  );
}

/** A LabDb in memory: for tests, and for browsers that refuse IndexedDB (nothing survives a reload there). */
export function memoryDb(): LabDb {
  const records = new Map<string, RunRecord>();
  const blobs = new Map<string, { info: BlobInfo; data: Uint8Array }>();
  const meta = new Map<string, unknown>();
  const key = (...parts: string[]) => JSON.stringify(parts);
  const clone = <T>(x: T): T => structuredClone(x);
  return {
    async records(sweep) {
      return byFinish(
        [...records.values()].filter((r) => sweep === undefined || r.sweep === sweep).map(clone),
      );
    },
    async putRecord(r) {
      records.set(key(r.sweep, r.id), clone(r));
    },
    async deleteSweep(sweep) {
      for (const [k, r] of records) if (r.sweep === sweep) records.delete(k);
      for (const [k, b] of blobs) if (b.info.sweep === sweep) blobs.delete(k);
    },
    async getBlob(kind, sweep, id) {
      const b = blobs.get(key(kind, sweep, id));
      return b ? b.data.slice() : null;
    },
    async putBlob(kind, sweep, id, bytes, note = '') {
      blobs.set(key(kind, sweep, id), {
        info: { sweep, id, bytes: bytes.byteLength, savedAt: new Date().toISOString(), note },
        data: bytes.slice(),
      });
    },
    async deleteBlob(kind, sweep, id) {
      blobs.delete(key(kind, sweep, id));
    },
    async listBlobs(kind, sweep) {
      return [...blobs.entries()]
        .filter(
          ([k, b]) => JSON.parse(k)[0] === kind && (sweep === undefined || b.info.sweep === sweep),
        )
        .map(([, b]) => ({ ...b.info }));
    },
    async getMeta<T>(k: string) {
      return clone(meta.get(k)) as T | undefined;
    },
    async putMeta(k, value) {
      meta.set(k, clone(value));
    },
  };
}

/** The runner's SweepStore for one sweep: finished models go to the 'final' checkpoints (downloadable). */
export function sweepStore(db: LabDb, sweep: string): SweepStore {
  return {
    records: () => db.records(sweep),
    append: (r) => db.putRecord(r),
    loadCheckpoint: (id) => db.getBlob('resume', sweep, id),
    saveCheckpoint: (id, bytes) => db.putBlob('resume', sweep, id, bytes, 'resume checkpoint'),
    deleteCheckpoint: (id) => db.deleteBlob('resume', sweep, id),
    saveModel: (id, bytes) => db.putBlob('final', sweep, id, bytes, 'trained model'),
  };
}
