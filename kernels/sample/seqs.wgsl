// struct Seq: one row of the per-sequence table `seqs` (kernels/sample/seqs.ts says what each word means).
// The one WGSL definition: the launchers of encoder_decode, attention_decode and sample append this file to
// their kernels (WGSL declarations may come after their use), so no kernel carries a copy. Field order is
// SEQ's, which test/structure.test.ts checks.
struct Seq {
  prefix_row: u32,
  question: u32,
  sample: u32,
  prefix_len: u32,
  pos: u32,
  done: u32,
  n_gen: u32,
  reserved: u32,
}
