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
  table { border-collapse: collapse; margin-top: 0.5rem; font-variant-numeric: tabular-nums; }
  th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
  th { background: #eef0f3; }
  td.num, th.num { text-align: right; }
  .ok { color: var(--ok); font-weight: 600; }
  .bad { color: var(--bad); font-weight: 600; }
  .muted { color: #555; }
  .error { color: var(--bad); white-space: pre-wrap; }
  .notice { background: #fff8e1; border-left: 5px solid var(--warn); padding: 0.5rem 0.8rem; margin: 0.4rem 0; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
  .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 1rem; }
  progress { width: 100%; height: 1.1rem; }
  code, textarea { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }
`;
