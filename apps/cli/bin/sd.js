#!/usr/bin/env node
'use strict';
require('./run-built')('sd', 'dist/apps/cli/apps/cli/src/main.js', ['apps/cli/src', 'libs']);
