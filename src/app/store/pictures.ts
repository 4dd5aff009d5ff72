/**
 * Pictures (ImageBitmaps the worker composed) are closed as soon as nothing shows them, so their
 * pixels are freed at once rather than at some later garbage collection on the UI thread.
 */
export function closePicture(picture: ImageBitmap | null | undefined): void {
  // Store tests hold stand-ins without `close`.
  if (picture && typeof picture.close === 'function') picture.close();
}
