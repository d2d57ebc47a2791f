// Styles every view shares: real buttons with a focus ring you can see on a projector, tables with
// tabular figures, notices. Sizes are in rem so the large-text toggle scales everything.
import { css } from 'lit';

export const shared = css`
  :host { display: block; }
  h2 { font-size: 1.3rem; margin: 1.25rem 0 0.5rem; }
  h3 { font-size: 1.1rem; margin: 1rem 0 0.4rem; }
  p, li { max-width: 62rem; line-height: 1.45; }
  button, select, input, textarea { font: inherit; }
  button, select { padding: 0.4rem 0.9rem; border-radius: 6px; border: 1px solid #8a919c; background: #fff; color: inherit; cursor: pointer; }
  button.primary { background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
  button:disabled, select:disabled { opacity: 0.5; cursor: default; }
  :is(button, select, input, textarea, a, [tabindex]):focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  .controls { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin: 0.5rem 0; }
  .controls > * { max-width: 100%; }
  .controls label { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 0.3rem; }
  input[type='file'], select { max-width: 100%; }
  /* Wide tables scroll inside the page instead of widening it (phones, large text). */
  table { border-collapse: collapse; margin-top: 0.5rem; font-variant-numeric: tabular-nums; display: block; max-width: 100%; overflow-x: auto; }
  .scroll { overflow-x: auto; max-width: 100%; }
  .scroll > table { display: table; }
  textarea, pre { max-width: 100%; box-sizing: border-box; }
  pre { overflow-x: auto; }
  th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
  /* A cell never breaks a word: a table too wide for its place scrolls inside itself instead. */
  th, td { overflow-wrap: normal; word-break: normal; hyphens: manual; }
  th { background: #eef0f3; }
  td.num, th.num { text-align: right; }
  td.num { white-space: nowrap; }
  .ok { color: var(--ok); font-weight: 600; }
  .bad { color: var(--bad); font-weight: 600; }
  .muted { color: #555; }
  .big { font-size: 1.15rem; }
  .error { color: var(--bad); white-space: pre-wrap; }
  .notice { background: #fff8e1; border-left: 5px solid var(--warn); padding: 0.5rem 0.8rem; margin: 0.4rem 0; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
  .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(28rem, 100%), 1fr)); gap: 1rem; }
  .grid2 > * { min-width: 0; }
  progress { width: 100%; height: 1.1rem; }
  code, textarea { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }
`;
