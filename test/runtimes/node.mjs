// Node: the suite in this process, importing the package by its own name, so
// that Node resolves it through the exports map (`node` condition, dist/node.js).
import { coreCases, runCases } from './core-suite.js';

export async function run() {
  const api = await import('attnflow');
  return runCases(coreCases(api));
}
