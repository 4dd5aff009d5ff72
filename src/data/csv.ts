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
  const rows: CsvRow[] = [];
  const errors: CsvTable['errors'] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let endOfRow = false;
    let unterminated = false;
    while (!endOfRow) {
      if (i < n && text[i] === '"' && field === '') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) unterminated = true;
      }
      // Unquoted run (or what follows a closing quote, kept verbatim like most readers do).
      while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      fields.push(field);
      field = '';
      if (i >= n) endOfRow = true;
      else if (text[i] === delimiter) i++;
      else {
        if (text[i] === '\r') i++;
        if (text[i] === '\n') i++;
        line++;
        endOfRow = true;
      }
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
