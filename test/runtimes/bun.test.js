// `bun test` runs the portable core suite against the package as Bun resolves
// it (the exports map's `node` condition, dist/node.js).
import { test } from 'bun:test';
import * as api from 'attnflow';
import { coreCases } from './core-suite.js';

for (const c of coreCases(api)) test(c.name, c.run);
