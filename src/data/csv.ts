/**
 * RFC 4180 CSV with line numbers, because every malformed row the user sees in the report has to
 * say where it is. Quoted fields may hold the delimiter, doubled quotes and newlines; a row's line
 * number is the physical line it starts on (1-based, header = line 1).
 */

export interface CsvRow {
  line: number;
  fields: string[];
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
  /** rows the tokenizer could not close (an unterminated quote swallows the rest of the file) */
  errors: { line: number; error: string }[];
}

export function decodeText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseCsvRows(text: string, delimiter = ','): { rows: CsvRow[]; errors: CsvTable['errors'] } {
  // Scans with indexOf and slices instead of appending character by character: gaze tables of
  // the public datasets run to hundreds of MB, and a per-character append costs seconds per MB.
  const rows: CsvRow[] = [];
  const errors: CsvTable['errors'] = [];
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  let line = 1;
  let i = 0;
  // Newlines inside quoted fields, counted with one forward cursor: calls come with increasing
  // ranges, so the whole file is scanned once however many quotes it holds.
  let nextNewline = text.indexOf('\n');
  const newlinesBetween = (from: number, to: number) => {
    let count = 0;
    while (nextNewline >= 0 && nextNewline < to) {
      if (nextNewline >= from) count++;
      nextNewline = text.indexOf('\n', nextNewline + 1);
    }
    return count;
  };
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let unterminated = false;
    for (;;) {
      let field = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        i++;
        let closed = false;
        let from = i;
        while (i < n) {
          const q = text.indexOf('"', i);
          if (q < 0) break;
          line += newlinesBetween(i, q);
          if (text.charCodeAt(q + 1) === 34) {
            field += text.slice(from, q + 1); // a doubled quote stands for one
            i = from = q + 2;
            continue;
          }
          field += text.slice(from, q);
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          line += newlinesBetween(i, n);
          field += text.slice(from);
          i = n;
          unterminated = true;
        }
      }
      // Unquoted run (or what follows a closing quote, kept verbatim like most readers do).
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === delim || c === 10 || c === 13) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
      fields.push(field);
      if (i >= n) break;
      if (text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      if (text.charCodeAt(i) === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      line++;
      break;
    }
    if (unterminated) {
      errors.push({ line: startLine, error: `line ${startLine}: unterminated quoted field; fix the quote or remove the row` });
      continue;
    }
    if (fields.length === 1 && fields[0].trim() === '') continue; // blank line
    rows.push({ line: startLine, fields });
  }
  return { rows, errors };
}

export function parseCsv(text: string, delimiter = ','): CsvTable {
  const { rows, errors } = parseCsvRows(text, delimiter);
  const headerRow = rows.shift();
  return { header: headerRow ? headerRow.fields.map((h) => h.trim()) : [], rows, errors };
}

/** Column index by name, case- and space-insensitive; -1 when absent. */
export function column(header: string[], ...names: string[]): number {
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_]+/g, '_');
  const wanted = names.map(norm);
  return header.findIndex((h) => wanted.includes(norm(h)));
}

/** A finite number or undefined (empty and non-numeric fields are both "missing"). */
export function num(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const t = field.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
