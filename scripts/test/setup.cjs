'use strict';
// Loaded by mocha before any test (see .mocharc.json).
require('../../shared/messaging/dist/src/kafka/warnings.js').silenceKnownKafkaJsWarning();
