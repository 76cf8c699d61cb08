export { orderCreated } from './events.js';
export { withGeneratedBlocks } from './generated-blocks.js';
export { KAFKA_USERS_DIR, TEST_TOPIC_PREFIX, adminDb, capturingLogger, kafkaUser, committedOffset, createTestDatabase, endOffsets, ensureSagaTopics, positionGroupAtEnd, silentLogger, sleep, testDbServer, testKafka, testKafkaSettings, waitFor } from './infra.js';
export { TopicReader } from './topic-reader.js';
