#!/usr/bin/env node
'use strict';
// The `kartu` command runs the compiled CLI (`npm install` builds it; `npm run build` refreshes it).
require('../dist/src/main.js');
