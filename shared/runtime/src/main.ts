import { ConfigError } from '@orders/platform';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';

/**
 * Runs a service command (`migrate`, `start`, ...). A configuration error prints the
 * variables at fault and exits 2 before anything connects; any other failure exits 1.
 */
export function runCommand(name: string, command: () => Promise<void>): void {
  silenceKnownKafkaJsWarning();
  command().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
