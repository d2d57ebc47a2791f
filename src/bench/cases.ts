// src/bench/: benchmarks and kernel tuning, above the kernels and the model. Imports train, sample,
// model, kernels, gpu, data, config, util; imported by sweep, worker, node, web (layers:
// test/structure.test.ts).
//
// Every kernel's benchmark and self-check cases, in the order the table prints them.
import type { BenchCase, CheckCase } from './types.ts';
import * as matmul from '../../kernels/matmul/matmul.bench.ts';
import * as attention from '../../kernels/attention/attention.bench.ts';
import * as attention_decode from '../../kernels/attention_decode/attention_decode.bench.ts';
import * as layernorm from '../../kernels/layernorm/layernorm.bench.ts';
import * as gelu from '../../kernels/gelu/gelu.bench.ts';
import * as residual from '../../kernels/residual/residual.bench.ts';
import * as encoder from '../../kernels/encoder/encoder.bench.ts';
import * as crossentropy from '../../kernels/crossentropy/crossentropy.bench.ts';
import * as sample from '../../kernels/sample/sample.bench.ts';
import * as global_norm from '../../kernels/global_norm/global_norm.bench.ts';
import * as adamw from '../../kernels/adamw/adamw.bench.ts';
import * as fma_peak from '../../kernels/fma_peak/fma_peak.bench.ts';
import * as train_step from '../train/train.bench.ts';
import * as decode_step from '../sample/sample.bench.ts';

const families: { bench: BenchCase[]; checks?: CheckCase[] }[] = [matmul, attention, attention_decode, layernorm, gelu, residual, encoder, crossentropy, sample, global_norm, adamw, fma_peak, train_step, decode_step];

export const benchCases: BenchCase[] = families.flatMap((f) => f.bench);
export const checkCases: CheckCase[] = families.flatMap((f) => f.checks ?? []);
export const kernelNames: string[] = [...new Set(benchCases.map((c) => c.kernel))];
