/**
 * Hands bytes to the browser's download manager through a blob: URL: the file goes straight from
 * this tab to the user's disk (no server, allowed by the CSP).
 */
export function saveDownload(fileName: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the download starts asynchronously after click().
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
