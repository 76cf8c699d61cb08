'use strict';
// Loaded by mocha before any test (see .mocharc.json).
require('../../shared/dist/src/warnings.js').silenceKnownKafkaJsWarning();
