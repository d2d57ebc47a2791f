// src/bench/: the measurement wing: benchmarks and the kernel tuner, above everything a run uses.
// Imports sweep, train, sample, model, kernels, gpu, data, config, util; imported by worker, node, web
// (layers: test/structure.test.ts).
//
// Every kernel's benchmark and self-check cases, in the order the table prints them: one import per
// kernel folder's table (kernels/<name>/<name>.cases.ts; src/gpu/cases.ts says what a table holds).
import type { BenchCase, CheckCase } from '../gpu/cases.ts';
import * as layernorm from '../../kernels/layernorm/layernorm.cases.ts';
import * as residual from '../../kernels/residual/residual.cases.ts';
import * as encoder from '../../kernels/encoder/encoder.cases.ts';
import * as matmul from '../../kernels/matmul/matmul.cases.ts';
import * as gelu from '../../kernels/gelu/gelu.cases.ts';
import * as attention from '../../kernels/attention/attention.cases.ts';
import * as attention_decode from '../../kernels/attention_decode/attention_decode.cases.ts';
import * as crossentropy from '../../kernels/crossentropy/crossentropy.cases.ts';
import * as sample from '../../kernels/sample/sample.cases.ts';
import * as global_norm from '../../kernels/global_norm/global_norm.cases.ts';
import * as adamw from '../../kernels/adamw/adamw.cases.ts';
import * as fma_peak from '../../kernels/fma_peak/fma_peak.cases.ts';
import * as train_step from '../train/train.bench.ts';
import * as decode_step from '../sample/sample.bench.ts';

const families: { bench: BenchCase[]; checks?: readonly CheckCase[] }[] = [
  matmul,
  attention,
  attention_decode,
  layernorm,
  gelu,
  residual,
  encoder,
  crossentropy,
  sample,
  global_norm,
  adamw,
  fma_peak,
  train_step,
  decode_step,
];

export const benchCases: BenchCase[] = families.flatMap((f) => f.bench);
export const checkCases: CheckCase[] = families.flatMap((f) => f.checks ?? []);
export const kernelNames: string[] = [...new Set(benchCases.map((c) => c.kernel))];
