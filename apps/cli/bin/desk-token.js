#!/usr/bin/env node
'use strict';
require('./run-built')('the token command', 'dist/apps/api/apps/api/src/auth/print-token.cli.js', ['apps/api/src/auth', 'libs']);
