export { orderCreated } from './events.js';
export { withGeneratedBlocks } from './generated-blocks.js';
export { TEST_TOPIC_PREFIX, adminDb, capturingLogger, committedOffset, createTestDatabase, endOffsets, ensureSagaTopics, positionGroupAtEnd, silentLogger, sleep, testDbServer, testKafka, testKafkaSettings, waitFor } from './infra.js';
export { TopicReader } from './topic-reader.js';
