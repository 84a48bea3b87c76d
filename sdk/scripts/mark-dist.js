// After the two tsc builds: tells Node which module system each dist folder holds.
const { writeFileSync } = require('node:fs');
const path = require('node:path');
for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs']]) {
  writeFileSync(path.join(__dirname, '..', 'dist', dir, 'package.json'), JSON.stringify({ type }) + '\n');
}
