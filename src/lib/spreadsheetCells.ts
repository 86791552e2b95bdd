/**
 * Cells of a CSV file meant to be opened in a spreadsheet. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is read as a formula by Excel, LibreOffice and Google Sheets (CSV injection): written with a
 * leading apostrophe, it shows as text (OWASP, "CSV Injection"). A file written here and re-imported after fixing
 * reads its cells back without that apostrophe.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const ESCAPED = /^'[=+\-@\t\r]/;

export function escapeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function unescapeCell(value: string): string {
  return ESCAPED.test(value) ? value.slice(1) : value;
}
