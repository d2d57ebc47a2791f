// The page's state lives in the URL's hash (#view=sweep&preset=smoke&limit=2...), so any view, lab or
// edited grid is a link a teacher can share, and the back button works. Only strings go in; each view
// reads the keys it owns.

export type View =
  'home' | 'learn' | 'sweep' | 'results' | 'explore' | 'samples' | 'kernels' | 'labs';
export const VIEWS: { id: View; label: string }[] = [
  { id: 'home', label: 'Start' },
  { id: 'learn', label: 'What is T²?' },
  { id: 'sweep', label: 'Sweep' },
  { id: 'results', label: 'Results' },
  { id: 'explore', label: 'Explore' },
  { id: 'samples', label: 'Samples' },
  { id: 'kernels', label: 'Kernels' },
  { id: 'labs', label: 'Labs' },
];

/** Keys: view, preset, exp (the grid as JSON), limit, lab, guess, sweep, run, kernel, text ("large"), explore, ctrain, cinf. */
export function readHash(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

export function hashParam(key: string): string | null {
  return readHash().get(key);
}

/** Set (or, with null, remove) keys of the hash. `push` adds a history entry (view changes); edits replace. */
export function setHash(patch: Record<string, string | null>, push = false): void {
  const p = readHash();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) p.delete(k);
    else p.set(k, v);
  }
  const url = `${location.pathname}${location.search}#${p.toString()}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  // pushState/replaceState fire no event; views listen for this one (and for the browser's hashchange).
  window.dispatchEvent(new Event('t2-hash'));
}

/** Subscribe to hash changes from links, back/forward and setHash; returns the unsubscribe. */
export function onHash(fn: () => void): () => void {
  window.addEventListener('hashchange', fn);
  window.addEventListener('t2-hash', fn);
  return () => {
    window.removeEventListener('hashchange', fn);
    window.removeEventListener('t2-hash', fn);
  };
}

/** Save text as a file download (exports, checkpoints, traces). */
export function download(
  name: string,
  data: string | Uint8Array,
  type = 'application/octet-stream',
): void {
  const blob = new Blob([typeof data === 'string' ? data : (data as Uint8Array<ArrayBuffer>)], {
    type,
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** "1m 05s", "2h 03m": durations for ETAs. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 12345 -> "12.3k", for token counts and parameter counts. */
export function si(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(a >= 1e10 ? 0 : 1)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(x * 100) / 100);
}
