/**
 * Hands a Blob to the browser's download manager through a blob: URL: the file goes straight from
 * this tab to the user's disk (no server, allowed by the CSP). The Blob is built where the bytes
 * are (the worker), so this thread only names it.
 */
export function saveDownload(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
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
