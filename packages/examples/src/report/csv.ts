/**
 * CSV text from rows of plain values (RFC 4180 quoting where needed).
 */

/** A cell: numbers are written in full (shortest round-trip form), null as empty. */
export type CsvValue = string | number | boolean | null;

/**
 * Formats rows as CSV with a header line, columns in the given order.
 *
 * @example
 * toCsv([{ epoch: 0, loss: 2.3 }], ['epoch', 'loss']); // "epoch,loss\n0,2.3\n"
 */
export function toCsv<Row extends Record<string, CsvValue>>(rows: readonly Row[], columns: readonly (keyof Row & string)[]): string {
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((column) => quote(row[column] ?? null)).join(','));
  return `${lines.join('\n')}\n`;
}

function quote(value: CsvValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Parses CSV written by `toCsv` back into rows of strings (used by tests and `gradlab report`).
 */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inQuotes) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (char === '"') inQuotes = false;
      else field += char;
    } else if (char === '"') inQuotes = true;
    else if (char === ',') { record.push(field); field = ''; }
    else if (char === '\n') { record.push(field); records.push(record); record = []; field = ''; }
    else field += char;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}
