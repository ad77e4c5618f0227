// Opaque keyset cursors: base64url of a JSON array of the last row's sort key.
import { ValidationError } from '../errors.js';

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new ValidationError(
      'invalid cursor; pass nextCursor from the previous page unchanged',
      undefined,
      cause,
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== length ||
    !parsed.every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw new ValidationError('invalid cursor; pass nextCursor from the previous page unchanged');
  }
  return parsed.map(String);
}
