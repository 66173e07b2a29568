/** URL lists from files the user dropped or opened: .txt as is, .csv by its URL column. */

export function isUrlListFile(name: string, type: string): boolean {
  return /\.(txt|csv|tsv|list)$/i.test(name) || type === 'text/plain' || type === 'text/csv';
}

/** Split one CSV line into cells (RFC 4180 quotes; a URL list rarely needs more). */
function csvCells(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === separator) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells.map((value) => value.trim());
}

/**
 * The URL lines of a CSV file: the column headed url/link/href/address (any case), else the first column.
 * A header row naming such a column is dropped.
 */
export function urlsFromCsv(text: string): string {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.find((line) => line.trim() !== '') ?? '';
  const separator = first.includes('\t') && !first.includes(',') ? '\t' : first.includes(';') && !first.includes(',') ? ';' : ',';
  const header = csvCells(first, separator).map((cell) => cell.toLowerCase());
  let column = header.findIndex((cell) => /^(url|urls|link|href|address|网址|链接)$/.test(cell));
  let start = 0;
  if (column >= 0) start = lines.indexOf(first) + 1;
  else column = 0;
  const out: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    out.push(csvCells(line, separator)[column] ?? '');
  }
  return out.join('\n');
}

/** The URL lines in a file's text, by its kind. */
export function urlLinesOf(name: string, text: string): string {
  const body = /\.(csv|tsv)$/i.test(name) ? urlsFromCsv(text) : text.replace(/^\uFEFF/, '');
  return body.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}

/** Append lines to the existing text, on a line of their own. */
export function appendLines(existing: string, added: string): string {
  if (!added) return existing;
  if (!existing.trim()) return added;
  return `${existing.replace(/\n*$/, '')}\n${added}`;
}
