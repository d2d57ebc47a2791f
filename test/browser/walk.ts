// What the browser walks check on any page: errors in the console, and tables that do not fit (a cell
// that overflows its column, a column clipped by an ancestor, a word broken in two). Used by
// views.spec.ts and kernels.spec.ts.
import type { Page } from '@playwright/test';

export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/**
 * Every visible table (through shadow roots) checked three ways: a cell whose content overflows it, a
 * cell past the edge of an ancestor that hides overflow (a clipped column; a table that scrolls inside
 * itself is fine), and a word in a cell laid out on two lines (broken mid-word). Returns what is wrong.
 */
export function tableProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const tables: HTMLTableElement[] = [];
    const walk = (root: Document | ShadowRoot | Element) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el instanceof HTMLTableElement) tables.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    const parentOf = (el: Element): Element | null =>
      el.parentElement ?? ((el.getRootNode() as ShadowRoot).host || null);
    for (const t of tables) {
      const tr = t.getBoundingClientRect();
      if (tr.width === 0 || tr.height === 0) continue;
      const name = t.dataset.testid ?? t.className ?? 'table';
      const rows = Array.from(t.rows).slice(0, 40);
      for (const row of rows)
        for (const cell of Array.from(row.cells)) {
          const text = (cell.textContent ?? '').trim();
          if (!text) continue;
          if (cell.scrollWidth > cell.clientWidth + 1)
            out.push(`${name}: cell "${text.slice(0, 30)}" overflows its column`);
          const right = cell.getBoundingClientRect().right;
          for (let el = parentOf(cell); el; el = parentOf(el)) {
            const ox = getComputedStyle(el).overflowX;
            if (ox === 'auto' || ox === 'scroll') break;
            if (
              (ox === 'hidden' || ox === 'clip') &&
              right > el.getBoundingClientRect().right + 1
            ) {
              out.push(`${name}: column of "${text.slice(0, 30)}" clipped`);
              break;
            }
          }
          const tw = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let n = tw.nextNode(); n; n = tw.nextNode()) {
            const s = n.textContent ?? '';
            // A break after a hyphen or a slash is ordinary line breaking; inside a word it is not.
            for (const m of s.matchAll(/[^\s\-/‑]{2,}/g)) {
              const r = document.createRange();
              r.setStart(n, m.index!);
              r.setEnd(n, m.index! + m[0].length);
              const tops = new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top)));
              if (tops.size > 1) out.push(`${name}: "${m[0]}" broken mid-word`);
            }
          }
        }
    }
    return [...new Set(out)].slice(0, 12);
  });
}
