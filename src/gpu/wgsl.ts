// WGSL source handling: `#if ${FLAG}` structural variants through wgsl-preprocessor, `${NAME}`
// interpolation for what override constants cannot express (function-scope array sizes), and
// compile errors that name the original .wgsl file and line.
//
// The preprocessor drops the lines of branches not taken, so line numbers in the compiled text drift
// from the file. Each line is tagged with a trailing `// @<file line>` comment before preprocessing;
// a compiler message on compiled line L is mapped back by reading the tag on that line.
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export type Defines = Record<string, boolean | number | string>;

const TAG = /\/\/ @(\d+)$/;

/** Expand `#if ${FLAG}` blocks and `${NAME}` values of `defines`; every name used must be given. */
export function preprocess(file: string, source: string, defines: Defines = {}): string {
  const tagged = source
    .split('\n')
    .map((line, i) => `${line} // @${i + 1}`)
    .join('\n');
  const strings: string[] = [];
  const values: unknown[] = [];
  let last = 0;
  for (const m of tagged.matchAll(/\$\{(\w+)\}/g)) {
    const name = m[1]!;
    if (!(name in defines))
      throw new Error(
        `${file}: \${${name}} is used but not defined (defines: ${Object.keys(defines).join(', ') || 'none'})`,
      );
    strings.push(tagged.slice(last, m.index));
    values.push(defines[name]);
    last = m.index! + m[0].length;
  }
  strings.push(tagged.slice(last));
  const raw = Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray;
  return wgsl(raw, ...values);
}

/** The line of the original file that compiled line `line` (1-based) came from. */
export function sourceLine(compiled: string, line: number): number | undefined {
  const text = compiled.split('\n')[line - 1];
  const m = text?.match(TAG);
  return m ? Number(m[1]) : undefined;
}

/** Shader compilation messages, rewritten to `file:line:col` of the original .wgsl file. */
export function formatCompileMessages(
  file: string,
  compiled: string,
  messages: readonly GPUCompilationMessage[],
): string {
  return messages
    .map((m) => {
      const line = sourceLine(compiled, m.lineNum);
      const where = line === undefined ? file : `${file}:${line}:${m.linePos}`;
      return `${where}: ${m.type}: ${m.message}`;
    })
    .join('\n');
}
