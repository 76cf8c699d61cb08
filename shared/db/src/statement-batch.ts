import { types, type Client, type FieldDef, type QueryResult } from 'pg';
import { statementName } from './knex.js';
import { parameterOf } from './parameter.js';


/** A statement with `?` placeholders (as knex writes them) and the values bound to them. */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

export const statement = (text: string, values: readonly unknown[] = []): Statement => ({ text, values });

/** Messages of pg's protocol connection that a batch writes and reads (its events carry the replies). */
interface Connection {
  stream: { cork?(): void; uncork?(): void };
  parsedStatements: Record<string, string>;
  parse(query: { text: string; name: string; types: number[] }): void;
  bind(config: { portal: string; statement: string; values: readonly unknown[]; valueMapper: (value: unknown) => unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

interface Prepared {
  name: string;
  /** The text with `$1`, `$2`, … as PostgreSQL reads it. */
  text: string;
}

const prepared = new Map<string, Prepared>();

/** A statement's text with `$1`, `$2`, … for its `?`, as knex's pg client numbers them: `\?` is a literal question mark. */
export function positional(text: string): string {
  let n = 0;
  return text.replace(/(\\*)\?/g, (_match, escapes: string) => (escapes.length % 2 ? '?' : `$${++n}`));
}

/** A statement's server-side name and text: the same as `preparedRaw` gives it, so both share the parsed statement. */
function preparedOf(text: string): Prepared {
  let p = prepared.get(text);
  if (p === undefined) {
    p = { name: statementName(text), text: positional(text) };
    prepared.set(text, p);
  }
  return p;
}

interface PendingResult {
  command: string;
  rowCount: number | null;
  oid: number;
  fields: FieldDef[];
  rows: Record<string, unknown>[];
  parsers: ((value: string) => unknown)[];
}

const newResult = (): PendingResult => ({ command: '', rowCount: null, oid: 0, fields: [], rows: [], parsers: [] });

/**
 * Statements sent to PostgreSQL in one round trip: each is bound and executed as a named
 * prepared statement (parsed once per connection), and one Sync follows the last, so the
 * server answers them all in one reply. The first that fails ends the batch: the server
 * skips the rest, and an open transaction is then aborted (the caller rolls it back).
 *
 * It is a pg "submittable" (the query object pg's `Client.query` accepts): pg hands it the
 * connection when its turn comes and routes the replies to its handle* methods.
 */
class StatementBatch {
  /** What the statements are, for the tracing instrumentation's span name (no values). */
  readonly text: string;
  callback: (error: Error | null, results?: QueryResult[]) => void;
  private readonly statements: { prepared: Prepared; values: readonly unknown[] }[];
  private readonly results: PendingResult[] = [];
  private current = newResult();
  private parsing: Prepared[] = [];
  private connection: Connection | null = null;
  private failed = false;
  private readonly onParseComplete = () => {
    const done = this.parsing.shift();
    if (done && this.connection) this.connection.parsedStatements[done.name] = done.text;
  };

  constructor(statements: readonly Statement[], callback: (error: Error | null, results?: QueryResult[]) => void) {
    this.statements = statements.map((s) => ({ prepared: preparedOf(s.text), values: s.values }));
    this.text = this.statements.map((s) => s.prepared.text).join(';\n');
    this.callback = callback;
  }

  submit(connection: Connection): void {
    this.connection = connection;
    connection.on('parseComplete', this.onParseComplete);
    connection.stream.cork?.();
    try {
      for (const { prepared: p, values } of this.statements) {
        // The same text is the same (cached) Prepared: parsed once, also when it comes twice here.
        if (connection.parsedStatements[p.name] === undefined && !this.parsing.includes(p)) {
          connection.parse({ text: p.text, name: p.name, types: [] });
          this.parsing.push(p);
        }
        connection.bind({ portal: '', statement: p.name, values, valueMapper: parameterOf });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
  }

  handleRowDescription(message: { fields: FieldDef[] }): void {
    this.current.fields = message.fields;
    this.current.parsers = message.fields.map((f) => types.getTypeParser(f.dataTypeID, 'text') as (value: string) => unknown);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const row: Record<string, unknown> = {};
    const { fields, parsers } = this.current;
    message.fields.forEach((raw, i) => (row[fields[i]!.name] = raw === null ? null : parsers[i]!(raw)));
    this.current.rows.push(row);
  }

  handleCommandComplete(message: { text: string }): void {
    const [command = '', ...numbers] = message.text.split(' ');
    this.current.command = command;
    if (numbers.length > 0) this.current.rowCount = Number(numbers[numbers.length - 1]);
    this.results.push(this.current);
    this.current = newResult();
  }

  handleEmptyQuery(): void {
    this.results.push(this.current);
    this.current = newResult();
  }

  handleError(error: Error): void {
    this.finish();
    if (this.failed) return;
    this.failed = true;
    this.callback(error);
  }

  handleReadyForQuery(): void {
    this.finish();
    if (this.failed) return;
    this.callback(
      null,
      this.results.map((r) => ({ command: r.command, rowCount: r.rowCount, oid: r.oid, fields: r.fields, rows: r.rows }) as QueryResult),
    );
  }

  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  private finish(): void {
    this.connection?.off('parseComplete', this.onParseComplete);
    this.parsing = [];
  }
}

/** Sends the statements in one round trip; their results, in order. Rejects with the first statement's error. */
export function sendBatch(client: Client, statements: readonly Statement[]): Promise<QueryResult[]> {
  if (statements.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const batch = new StatementBatch(statements, (error, results) => (error ? reject(error) : resolve(results!)));
    void (client.query as unknown as (query: StatementBatch) => unknown)(batch);
  });
}
