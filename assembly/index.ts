// The module's exports: a handful of flat functions over pointers and sizes,
// plus the ABI's slot numbers as constant globals. The module allocates
// nothing; TypeScript owns linear memory from heapBase() on.

export * from './abi';
export * from './threads-abi';
export { attentionRhs, attentionRhsRows, attentionMatrix, attentionScratchBytes } from './attention';
export { attentionKernel } from './tied-dispatch';
export { rkSolve } from './rk';
export { rkInterpolate, eventWorkBytes } from './events';
export { expArray, pow2Over64Array } from './exp';
export { attentionJacobian, attentionJvp, attentionVjp, jacobianScratchBytes } from './jacobian';
export { sinkhornScratchBytes } from './sinkhorn';
export { field, fieldMatrix } from './field';
export { expArrayF32 } from './f32/exp';
export { fieldRhs, workerLoop } from './parallel';
export { solveBatch } from './batch';

/** First byte of linear memory free for the caller (after static data). */
export function heapBase(): usize {
  return __heap_base;
}
