// The worker's LabDb in IndexedDB (through `idb`, a tiny promise wrapper): finished runs, checkpoints
// and settings survive reloads and browser restarts. Lives in web/ because it touches the host's
// `indexedDB`; src/ only sees the LabDb interface.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { byFinish, type BlobInfo, type BlobKind, type LabDb } from '../../src/worker/db.ts';
import type { RunRecord } from '../../src/sweep/record.ts';

interface Schema extends DBSchema {
  records: { key: [string, string]; value: RunRecord };
  // Checkpoint bytes apart from their descriptions, so listing checkpoints never reads megabytes.
  blobs: { key: [BlobKind, string, string]; value: Uint8Array };
  blobInfo: { key: [BlobKind, string, string]; value: BlobInfo & { kind: BlobKind } };
  meta: { key: string; value: unknown };
}

export const DB_NAME = 't2lab';

export async function openIdb(name = DB_NAME): Promise<LabDb> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is unavailable');
  const db: IDBPDatabase<Schema> = await openDB<Schema>(name, 1, {
    upgrade(d) {
      d.createObjectStore('records', { keyPath: ['sweep', 'id'] });
      d.createObjectStore('blobs');
      d.createObjectStore('blobInfo');
      d.createObjectStore('meta');
    },
  });
  // Every key that starts with `prefix`: in IndexedDB's key order an array sorts after every string.
  const under = (...prefix: string[]) => IDBKeyRange.bound([...prefix, ''], [...prefix, []]);
  const inSweep = (sweep: string) => under(sweep);
  return {
    async records(sweep) {
      return byFinish(
        sweep === undefined
          ? await db.getAll('records')
          : await db.getAll('records', inSweep(sweep)),
      );
    },
    async putRecord(r) {
      await db.put('records', r);
    },
    async deleteSweep(sweep) {
      const tx = db.transaction(['records', 'blobs', 'blobInfo'], 'readwrite');
      await tx.objectStore('records').delete(inSweep(sweep));
      for (const kind of ['resume', 'final'] as const) {
        const range = under(kind, sweep);
        await tx.objectStore('blobs').delete(range);
        await tx.objectStore('blobInfo').delete(range);
      }
      await tx.done;
    },
    async getBlob(kind, sweep, id) {
      return (await db.get('blobs', [kind, sweep, id])) ?? null;
    },
    async putBlob(kind, sweep, id, bytes, note = '') {
      const tx = db.transaction(['blobs', 'blobInfo'], 'readwrite');
      await tx.objectStore('blobs').put(bytes, [kind, sweep, id]);
      await tx
        .objectStore('blobInfo')
        .put(
          { kind, sweep, id, bytes: bytes.byteLength, savedAt: new Date().toISOString(), note },
          [kind, sweep, id],
        );
      await tx.done;
    },
    async deleteBlob(kind, sweep, id) {
      const tx = db.transaction(['blobs', 'blobInfo'], 'readwrite');
      await tx.objectStore('blobs').delete([kind, sweep, id]);
      await tx.objectStore('blobInfo').delete([kind, sweep, id]);
      await tx.done;
    },
    async listBlobs(kind, sweep) {
      const range = sweep === undefined ? under(kind) : under(kind, sweep);
      return (await db.getAll('blobInfo', range)).map(({ kind: _, ...info }) => info);
    },
    async getMeta<T>(key: string) {
      return (await db.get('meta', key)) as T | undefined;
    },
    async putMeta(key, value) {
      await db.put('meta', value, key);
    },
  };
}
