// fast-check runs from a fixed seed, so that CI is repeatable; FC_SEED=<n>
// explores other cases (a failure always prints the seed that reproduces it).
import fc from 'fast-check';

fc.configureGlobal({ seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261204 });
