// A real DynamoDB implementation (dynalite, in memory) on a free loopback port, with the lock table created,
// and real SDK clients pointed at it. A client can be cut off from the server (a network partition) to stop its
// lease renewals, as a frozen Lambda or a suspended laptop would.
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** dynalite ships no types: the one call used here. */
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** A client that can be cut off from the server: while `partitioned`, every call fails before it is sent. */
export interface PartitionableClient {
  readonly client: DynamoDBClient;
  partitioned: boolean;
}

/** dynalite on loopback with one table (partition key `pk`, a string). */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly table: string;
  /** A client shared by the tests. */
  readonly client: DynamoDBClient;
  /** A new client of its own (for a holder that will be cut off). */
  connect(): PartitionableClient;
  /** Creates another table of the same shape (a test's own locks). */
  createTable(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite on a free loopback port and creates `table` (at least 3 characters). */
export async function startLocalDynamo(table = 'survey-locks'): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const connect = (): PartitionableClient => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(client);
    const handle: PartitionableClient = { client, partitioned: false };
    client.middlewareStack.add(
      (next) => async (args) => {
        if (handle.partitioned) throw new Error('test: this client is cut off from DynamoDB');
        return next(args);
      },
      { step: 'initialize', name: 'partition' },
    );
    return handle;
  };
  const { client } = connect();
  const createTable = async (name: string) => {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // Even with createTableMs 0, a new table is CREATING for a moment.
    for (let tries = 0; tries < 100; tries++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') return name;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`test: the DynamoDB table ${name} never became active`);
  };
  await createTable(table);
  return {
    endpoint,
    table,
    client,
    connect,
    createTable,
    async close() {
      for (const each of clients) each.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
