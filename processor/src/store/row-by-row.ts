// The slow path after the database refused a batch for its data (SQLSTATE class 22/23/54): write the batch
// row by row, each under a savepoint, in one transaction. A row the database refuses becomes a dead letter
// (`store.rejected`); every other row is stored. Rare by design: the decoder refuses what it can foresee.
import { isDataError } from '../errors.js';
import { STORE_CODES } from '../decode/message.js';
import { emptyRows, type BatchRows, type DeadLetterRows } from './rows.js';
import type { SqlDatabase, SqlQueryable } from './sql.js';
import { writeRows, type WriteResult } from './writer.js';

type Table = 'logs' | 'telemetry' | 'events';

function singleRow(rows: BatchRows, table: Table, i: number): BatchRows {
  const one = emptyRows();
  const src = rows[table] as unknown as Record<string, unknown[]>;
  const dst = one[table] as unknown as Record<string, unknown[]>;
  for (const col of Object.keys(src)) (dst[col] as unknown[]).push((src[col] as unknown[])[i]);
  return one;
}

function rejected(rows: BatchRows, table: Table, i: number, err: unknown, into: DeadLetterRows): void {
  const r = rows[table] as unknown as Record<string, unknown[]>;
  const row: Record<string, unknown> = {};
  for (const col of Object.keys(r)) row[col] = (r[col] as unknown[])[i];
  into.receivedAt.push((row.receivedAt as number | undefined) ?? Date.now());
  into.tenantId.push(row.tenantId as string);
  into.deviceId.push(row.deviceId as string);
  into.channel.push(table === 'logs' ? 'logs' : table);
  into.code.push(STORE_CODES.rejected);
  into.reason.push(`database refused the ${table} row: ${(err as Error).message}`.slice(0, 1000));
  into.payloadHex.push(Buffer.from(JSON.stringify(row)).toString('hex'));
  into.streamSeq.push(null);
  into.position.push(-1);
}

/** Writes `rows` one row at a time under savepoints; refused rows become dead letters. One transaction. */
export function writeRowByRow(db: SqlDatabase, rows: BatchRows): Promise<WriteResult & { rejected: number }> {
  return db.transaction(async (tx: SqlQueryable) => {
    const total = { logs: 0, telemetry: 0, events: 0, deadLetters: 0, rejected: 0 };
    const dead = emptyRows();
    for (const table of ['logs', 'telemetry', 'events'] as const) {
      const n = rows[table].time.length;
      for (let i = 0; i < n; i++) {
        await tx.query('SAVEPOINT row_write');
        try {
          const r = await writeRows(tx, singleRow(rows, table, i));
          total[table] += r[table];
          await tx.query('RELEASE SAVEPOINT row_write');
        } catch (err) {
          if (!isDataError(err)) throw err;
          await tx.query('ROLLBACK TO SAVEPOINT row_write');
          rejected(rows, table, i, err, dead.deadLetters);
          total.rejected++;
        }
      }
    }
    // dead letters decoded earlier plus the rows refused now
    const d = rows.deadLetters;
    for (let i = 0; i < d.code.length; i++) {
      for (const col of Object.keys(d) as (keyof DeadLetterRows)[])
        (dead.deadLetters[col] as unknown[]).push(d[col][i]);
    }
    const r = await writeRows(tx, dead);
    total.deadLetters = r.deadLetters;
    return total;
  });
}
