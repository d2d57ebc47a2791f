import { describe, expect, it } from 'vitest';
import {
  csvField,
  tidyPassAtKCsv,
  tidyQuestionsCsv,
  PASS_AT_K_COLUMNS,
  QUESTION_COLUMNS,
} from '../../src/report/tidy.ts';
import { runRecord } from './records.ts';

/** RFC 4180 parser, written independently of the writer: quoted fields, doubled quotes, line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    field = '',
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  expect(field === '' && row.length === 0, 'the text ends with a line break').toBe(true);
  return rows;
}

const table = (csv: string) => {
  const [head, ...rows] = parseCsv(csv);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
};

describe('tidy results CSV', () => {
  it('one row per (run, k) with both pass@k estimates, their intervals and the run coordinates', () => {
    const csv = tidyPassAtKCsv([
      runRecord('L1-C16-H2/D/N=2/s3'),
      runRecord('L1-C16-H2/C=1.0e9/lr=0.003/s3', { eval_loss: NaN, diverged: true }),
    ]);
    const [head] = parseCsv(csv);
    expect(head).toEqual([...PASS_AT_K_COLUMNS]);
    const rows = table(csv);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatchObject({
      run_id: 'L1-C16-H2/D/N=2/s3',
      model: 'L1-C16-H2',
      budget: 'D/N=2',
      N: '4656',
      N_nonembedding: '3312',
      D: '6624',
      D_per_N: '2',
      C_train: String(6 * 3312 * 6624),
      C_train_exact: '179642880',
      seed: '3',
      lr: '0.01',
      loss: '3.25',
      diverged: 'False',
      k: '4',
      pass_at_k_sampled: '0.2',
      pass_at_k_sampled_lo: '0.1',
      pass_at_k_sampled_hi: '0.3',
      pass_at_k_likelihood: '0.22',
      samples_per_question: '16',
      questions: '2',
    });
    // NaN is an empty cell and infinity "inf" (what pandas reads as NaN and inf); a diverged run has no loss.
    expect([rows[2]!.pass_at_k_likelihood_lo, rows[2]!.pass_at_k_likelihood_hi]).toEqual([
      '',
      'inf',
    ]);
    expect(rows[3]).toMatchObject({
      model: 'L1-C16-H2',
      budget: 'C=1.0e9',
      loss: '',
      diverged: 'True',
    });
  });

  it('one row per (run, question) with n_i, c_i, c_verifier_i and p_i; any text survives quoting', () => {
    const csv = tidyQuestionsCsv([runRecord('L1-C16-H2/D/N=2/s3')]);
    expect(parseCsv(csv)[0]).toEqual([...QUESTION_COLUMNS]);
    const rows = table(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      question: '0',
      task: 'add',
      prompt: 'add 39+8=',
      answer: '74',
      n_i: '16',
      c_i: '2',
      c_verifier_i: '3',
      p_i: '0.125',
      D: '6624',
    });
    expect(rows[1]).toMatchObject({
      question: '1',
      prompt: 'a "quoted", two-line\nprompt ',
      answer: '01',
      c_verifier_i: '',
      p_i: '2.5e-7',
    });
  });

  it('quotes exactly what RFC 4180 and pandas need', () => {
    expect(
      ['plain', 'a,b', 'say "hi"', 'two\nlines', ' edge', 3, 0.5, NaN, -Infinity, true, null].map(
        csvField,
      ),
    ).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '" edge"',
      '3',
      '0.5',
      '',
      '-inf',
      'True',
      '',
    ]);
  });

  it('an empty sweep is a header alone', () => {
    expect(tidyPassAtKCsv([])).toBe(PASS_AT_K_COLUMNS.join(',') + '\n');
  });
});
